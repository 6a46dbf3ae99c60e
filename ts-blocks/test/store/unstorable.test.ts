/**
 * Records whose JSON jsonb refuses (an escaped NUL, an unpaired surrogate) load with every other record of their
 * chunk, by the documented rule, flagged, with QBO's exact text kept in ops.unstorable_payloads.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { initDatabase } from '../../src/db/init';
import { createPool } from '../../src/db/pool';
import { PgLedger } from '../../src/ledger/pg-ledger';
import { exportRun } from '../../src/pipeline/export-run';
import { hasUnstorableEscape, repairJsonText, unstorableFields } from '../../src/store/unstorable';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { extractChunk, item, openItemsRun } from './fixtures';

describe('the unstorable rule', () => {
  it('replaces each escaped NUL and each unpaired surrogate escape by \\ufffd and nothing else', () => {
    const text = String.raw`{"a":"NUL\u0000in","b":"\ud800","c":"\udc00x","d":"\ud83d\ude00","e":"\\u0000","f":"\\\u0000","g":"\u00e9"}`;
    expect(hasUnstorableEscape(text)).toBe(true);
    expect(repairJsonText(text)).toBe(String.raw`{"a":"NUL\ufffdin","b":"\ufffd","c":"\ufffdx","d":"\ud83d\ude00","e":"\\u0000","f":"\\\ufffd","g":"\u00e9"}`);
    expect(hasUnstorableEscape(String.raw`{"e":"\\u0000","d":"\ud83d\ude00","x":"\u001f"}`)).toBe(false);
    expect(hasUnstorableEscape('{"plain":"ünï ☃"}')).toBe(false);
  });

  it('names the fields that held them', () => {
    expect(unstorableFields(JSON.parse(String.raw`{"Name":"a\u0000","Line":[{"D":"ok"},{"D":"\ud800"}],"ok":"\\u0000"}`))).toEqual([
      'Name',
      'Line[1].D',
    ]);
  });
});

describe('loading records jsonb cannot hold', () => {
  let db: TestDatabase;
  let pool: Pool;
  let ledger: PgLedger;
  let dir: string;
  const deps = () => ({ pool, ledger, emit: () => undefined });

  beforeAll(async () => {
    db = await createTestDatabase('store_unstorable');
    pool = createPool({ connectionString: db.url });
    await initDatabase(pool);
    ledger = new PgLedger(pool);
    dir = mkdtempSync(join(tmpdir(), 'qbo-unstorable-'));
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const records = () => [
    [
      item('1', '2024-01-02T10:00:00-08:00', 0, { Name: 'NUL\u0000inside' }),
      item('2', '2024-01-03T10:00:00-08:00', 0, { Name: 'lone \ud800 high' }),
      item('3', '2024-01-03T11:00:00-08:00', 0, { Name: 'literal \\u0000 text' }),
    ],
    [item('4', '2024-01-09T10:00:00-08:00', 0, { Description: 'x\udc01' }), item('5', '2024-01-10T10:00:00-08:00')],
  ];

  async function run() {
    const opened = await openItemsRun(ledger, 'realm-u', 2);
    for (const [i, r] of records().entries()) await extractChunk(ledger, dir, opened, i, r);
    return { runId: opened.runId, summary: await exportRun(deps(), opened.runId, 'items') };
  }

  it('loads every record of every chunk, flags the repaired ones and keeps QBO\'s exact text; a re-run is unchanged', async () => {
    const first = await run();
    expect(first.summary.status).toBe('loaded');
    expect(first.summary.totals).toMatchObject({ rows_read: 5, rows_inserted: 5 });
    const { rows } = await pool.query<{ id: string; name: string; repaired: boolean; sha: string; ok: boolean }>(
      `SELECT id, coalesce(payload->>'Name', payload->>'Description') AS name, payload_repaired AS repaired, payload_sha256 AS sha,
              payload_sha256 = encode(sha256(convert_to(payload::text, 'UTF8')), 'hex') AS ok
         FROM raw.qb_items ORDER BY id`,
    );
    expect(rows.map((r) => [r.id, r.repaired])).toEqual([['1', true], ['2', true], ['3', false], ['4', true], ['5', false]]);
    expect(rows[0]!.name).toBe('NUL\ufffdinside');
    expect(rows[1]!.name).toBe('lone \ufffd high');
    expect(rows[2]!.name).toBe('literal \\u0000 text');
    // payload_sha256 of a repaired row is the hash of QBO's text, not of the stored payload.
    expect(rows.map((r) => r.ok)).toEqual([false, false, true, false, true]);
    const kept = await pool.query<{ id: string; original: Buffer; fields: string[] }>(
      'SELECT id, original, fields FROM ops.unstorable_payloads WHERE run_id = $1 ORDER BY id',
      [first.runId],
    );
    expect(kept.rows.map((r) => [r.id, r.fields])).toEqual([['1', ['Name']], ['2', ['Name']], ['4', ['Description']]]);
    expect((JSON.parse(kept.rows[0]!.original.toString('utf8')) as { Name: string }).Name).toBe('NUL\u0000inside');
    expect((JSON.parse(kept.rows[1]!.original.toString('utf8')) as { Name: string }).Name).toBe('lone \ud800 high');

    const second = await run();
    expect(second.summary.totals).toMatchObject({ rows_read: 5, rows_inserted: 0, rows_updated: 0, rows_unchanged: 5 });
    const again = await pool.query('SELECT id FROM ops.unstorable_payloads WHERE run_id = $1 ORDER BY id', [second.runId]);
    expect(again.rows.map((r: { id: string }) => r.id)).toEqual(['1', '2', '4']);
  });

  it('a value PostgreSQL still refuses fails the chunk with an error naming the record and the field', async () => {
    const opened = await openItemsRun(ledger, 'realm-u', 1);
    const path = await extractChunk(ledger, dir, opened, 0, [item('7', '2024-01-02T10:00:00-08:00'), item('8', '2024-01-03T10:00:00-08:00')]);
    // A number beyond numeric's range (QBO's bytes are spooled as sent): jsonb refuses it, no rule can repair it.
    const text = readFileSync(path, 'utf8');
    const second = text.indexOf('"UnitPrice":10.5', text.indexOf('"Id":"8"') - 200);
    writeFileSync(path, text.slice(0, second) + '"UnitPrice":1e200000' + text.slice(second + '"UnitPrice":10.5'.length));
    const err = await exportRun(deps(), opened.runId, 'items').catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'RECORD_NOT_STORABLE',
      message: expect.stringMatching(/^Record Id 8 in chunk 0 of items \(run \S+\) could not be stored: PostgreSQL refused its JSON \(payload\)/),
      context: expect.objectContaining({ id: '8', field: 'payload' }),
    });
  });
});
