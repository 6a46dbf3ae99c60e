import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { initDatabase } from '../../src/db/init';
import { createPool } from '../../src/db/pool';
import { PgLedger } from '../../src/ledger/pg-ledger';
import { chunkSpoolLines, chunkSpoolRows } from '../../src/pipeline/spool-source';
import { readSpoolRecordLines } from '../../src/spool/record-lines';
import type { QboRecord } from '../../src/spool/types';
import { loadChunks } from '../../src/store/load-chunk';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { extractChunk, item, openItemsRun, target } from './fixtures';

describe('loading chunks from their spool lines (the fast path)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let ledger: PgLedger;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('store_lines');
    pool = createPool({ connectionString: db.url });
    await initDatabase(pool);
    ledger = new PgLedger(pool);
    dir = mkdtempSync(join(tmpdir(), 'qbo-lines-'));
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await pool.query('TRUNCATE raw.qb_items');
  });

  const columns = `id, realm_id, payload::text, payload_sha256, source_last_updated_utc, source_sync_token, extract_window_start_utc,
    extract_window_end_utc, date_field, page_number, page_size, request_payload::text`;
  const snapshot = async () => (await pool.query(`SELECT ${columns} FROM raw.qb_items ORDER BY id`)).rows;
  const count = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM raw.qb_items')).rows[0]!.n;

  /** Extracts `chunks` into a new run and loads them together, by spool lines or by parsed rows. */
  async function extractAndLoad(chunks: readonly QboRecord[][], by: 'lines' | 'rows') {
    const run = await openItemsRun(ledger, 'realm-l', chunks.length);
    const paths: string[] = [];
    for (const [i, records] of chunks.entries()) paths.push(await extractChunk(ledger, dir, run, i, records));
    const sources = paths.map((path, i) => {
      const t = target(run, i);
      return by === 'lines' ? { target: t, lines: () => chunkSpoolLines(path, t) } : { target: t, rows: () => chunkSpoolRows(path, t) };
    });
    return { run, paths, outcomes: await loadChunks(pool, ledger, sources) };
  }

  const awkward: QboRecord[][] = [
    [
      item('1', '2024-01-02T10:00:00-08:00', 0, { Name: 'Tab\there, "quotes", back\\slash, new\nline, \u001f unit, ünï ☃ 𝄞' }),
      item('2', '2024-01-03T10:00:00.123-08:00', 7, { UnitPrice: 1.50, Nested: { b: [1, 2.0, 1e3], a: null } }),
    ],
    [item('3', '2024-01-09T10:00:00Z', 2), item('1', '2024-01-10T10:00:00+05:30', 1)],
    [],
  ];

  it('stores exactly what the row-by-row path stores, with the same counts per chunk', async () => {
    const fast = await extractAndLoad(awkward, 'lines');
    const byLines = await snapshot();
    await pool.query('TRUNCATE raw.qb_items');
    const slow = await extractAndLoad(awkward, 'rows');
    expect(byLines).toEqual(await snapshot());
    expect(byLines).toHaveLength(3);
    expect(fast.outcomes).toEqual(slow.outcomes.map((o) => ({ ...o, loadMs: expect.any(Number) })));
    expect(fast.outcomes.map((o) => (o.status === 'loaded' ? o.counts : undefined))).toEqual([
      { rows_read: 2, rows_inserted: 1, rows_updated: 0, rows_unchanged: 0, rows_skipped: 1 },
      { rows_read: 2, rows_inserted: 2, rows_updated: 0, rows_unchanged: 0, rows_skipped: 0 },
      { rows_read: 0, rows_inserted: 0, rows_updated: 0, rows_unchanged: 0, rows_skipped: 0 },
    ]);
    expect((await ledger.getRunDetail(fast.run.runId)).chunks.map((c) => c.status)).toEqual(['loaded', 'loaded', 'loaded']);
  });

  it('re-loading the same spool lines inserts and updates nothing and leaves the table unchanged', async () => {
    await extractAndLoad(awkward, 'lines');
    const before = (await pool.query('SELECT t::text AS row FROM raw.qb_items t ORDER BY id')).rows;
    const again = await extractAndLoad(awkward, 'lines');
    expect(again.outcomes.map((o) => (o.status === 'loaded' ? o.counts.rows_unchanged : -1))).toEqual([1, 2, 0]);
    expect((await pool.query('SELECT t::text AS row FROM raw.qb_items t ORDER BY id')).rows).toEqual(before);
  });

  it.each([
    ['a record updated outside its window', item('1', '2024-01-09T10:00:00-08:00')],
    ['a LastUpdatedTime that is not ISO-8601 with an offset', item('1', '2024-01-02 10:00:00')],
    ['a LastUpdatedTime second of 60', item('1', '2024-01-02T10:00:60-08:00')],
    ['a date that does not exist', item('1', '2024-02-30T10:00:00-08:00')],
    ['a blank Id', item('\t', '2024-01-02T10:00:00-08:00')],
    ['a numeric Id', { ...item('1', '2024-01-02T10:00:00-08:00'), Id: 1 as unknown as string }],
    ['a negative SyncToken', { ...item('1', '2024-01-02T10:00:00-08:00'), SyncToken: '-1' }],
  ])('refuses, loading nothing, %s', async (_what, bad) => {
    const err = await extractAndLoad([[item('2', '2024-01-03T10:00:00-08:00'), bad]], 'lines').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(await count()).toBe(0);
  });

  it('refuses a page number or size out of range', async () => {
    const run = await openItemsRun(ledger, 'realm-l', 1);
    const path = await extractChunk(ledger, dir, run, 0, [item('1', '2024-01-02T10:00:00-08:00')]);
    const text = readFileSync(path, 'utf8');
    for (const [from, to] of [['"page_size":2', '"page_size":1001'], ['"page_number":1', '"page_number":0'], ['"page_number":1', '"page_number":"1"']] as const) {
      writeFileSync(path, text.replace(from, to));
      const t = target(run, 0);
      await expect(loadChunks(pool, ledger, [{ target: t, lines: () => chunkSpoolLines(path, t) }])).rejects.toBeInstanceOf(Error);
      expect(await count()).toBe(0);
    }
  });

  it('reads record lines as written and checks the footer', async () => {
    const run = await openItemsRun(ledger, 'realm-l', 1);
    const path = await extractChunk(ledger, dir, run, 0, [item('1', '2024-01-02T10:00:00-08:00'), item('2', '2024-01-03T10:00:00-08:00')]);
    const lines = readFileSync(path, 'utf8').split('\n');
    const read: string[] = [];
    for await (const line of readSpoolRecordLines(path)) read.push(line.toString('utf8'));
    expect(read).toEqual(lines.slice(1, 3));
    const collect = async () => {
      for await (const line of readSpoolRecordLines(path)) void line;
    };
    writeFileSync(path, lines.slice(0, 3).join('\n'));
    await expect(collect()).rejects.toMatchObject({ code: 'SPOOL_INCOMPLETE', message: expect.stringMatching(/no footer/) });
    writeFileSync(path, [lines[0], lines[1], lines[3], ''].join('\n'));
    await expect(collect()).rejects.toMatchObject({ code: 'SPOOL_INCOMPLETE', message: expect.stringMatching(/declares 2 rows but holds 1/) });
  });
});
