import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { initDatabase } from '../../src/db/init';
import { createPool } from '../../src/db/pool';
import { PgLedger } from '../../src/ledger/pg-ledger';
import type { SpooledRow } from '../../src/spool/types';
import { payloadSha256Sql } from '../../src/store/payload-hash';
import { canonicalJson } from '../helpers/canonical-json';
import { loadChunk } from '../../src/store/load-chunk';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { extractedRun, item, iterate, spooled, target } from './fixtures';

describe('loading a chunk into raw.qb_<entity>', () => {
  let db: TestDatabase;
  let pool: Pool;
  let ledger: PgLedger;

  beforeAll(async () => {
    db = await createTestDatabase('store');
    pool = createPool({ connectionString: db.url });
    await initDatabase(pool);
    ledger = new PgLedger(pool);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });
  beforeEach(async () => {
    await pool.query('TRUNCATE raw.qb_items, raw.qb_customers');
  });

  const snapshot = async (table = 'raw.qb_items') =>
    (await pool.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t ORDER BY id`)).rows.map((r) => r.row);
  const load = (run: Awaited<ReturnType<typeof extractedRun>>, index: number, rows: SpooledRow[]) =>
    loadChunk(pool, ledger, target(run, index), () => iterate(rows));

  it('inserts every record with its lineage, payload as received and its canonical sha256', async () => {
    const run = await extractedRun(ledger, 'items', 'realm-a');
    const records = [item('1', '2024-01-02T10:00:00-08:00'), item('2', '2024-01-03T10:00:00-08:00'), item('3', '2024-01-07T15:59:59-08:00')];
    const outcome = await load(run, 0, spooled(records));
    expect(outcome).toMatchObject({ status: 'loaded', counts: { rows_read: 3, rows_inserted: 3, rows_updated: 0, rows_unchanged: 0, rows_skipped: 0 } });
    const { rows } = await pool.query(`SELECT * FROM raw.qb_items ORDER BY id`);
    expect(rows).toHaveLength(3);
    expect(rows[2]).toMatchObject({
      id: '3',
      realm_id: 'realm-a',
      payload: records[2],
      payload_sha256: createHash('sha256').update((await pool.query('SELECT $1::jsonb::text AS t', [records[2]])).rows[0].t).digest('hex'),
      source_sync_token: '0',
      date_field: 'last_updated',
      page_number: 2,
      page_size: 2,
      run_id: run.runId,
    });
    expect(rows[2].source_last_updated_utc.toISOString()).toBe('2024-01-07T23:59:59.000Z');
    expect(rows[2].extract_window_start_utc.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(rows[2].request_payload).toMatchObject({ method: 'POST', params: { minorversion: 75 } });
    // The hash can be re-derived from the stored payload, in SQL.
    const { rows: mismatched } = await pool.query(`SELECT id FROM raw.qb_items WHERE ${payloadSha256Sql('payload')} <> payload_sha256`);
    expect(mismatched).toEqual([]);
    expect((await ledger.getRunDetail(run.runId)).chunks[0]).toMatchObject({ status: 'loaded' });
  });

  it('re-loading the same records inserts and updates nothing and leaves the table byte-for-byte unchanged', async () => {
    const records = [item('1', '2024-01-02T10:00:00-08:00'), item('2', '2024-01-03T10:00:00-08:00', 4)];
    const first = await extractedRun(ledger, 'items', 'realm-a');
    await load(first, 0, spooled(records));
    const before = await snapshot();
    const second = await extractedRun(ledger, 'items', 'realm-a');
    const outcome = await load(second, 0, spooled([...records].reverse(), 1));
    expect(outcome).toMatchObject({ counts: { rows_read: 2, rows_inserted: 0, rows_updated: 0, rows_unchanged: 2, rows_skipped: 0 } });
    expect(await snapshot()).toEqual(before);
  });

  it('a chunk already loaded is not loaded again', async () => {
    const run = await extractedRun(ledger, 'items', 'realm-a');
    await load(run, 0, spooled([item('1', '2024-01-02T10:00:00-08:00')]));
    const again = await load(run, 0, spooled([item('1', '2024-01-02T10:00:00-08:00', 1, { Name: 'changed' })]));
    expect(again).toEqual({ status: 'already_loaded' });
    expect((await pool.query(`SELECT payload->>'Name' AS n FROM raw.qb_items`)).rows).toEqual([{ n: 'Item 1' }]);
  });

  it('a newer version updates the row; a stale version from a chunk finishing later is skipped', async () => {
    const run = await extractedRun(ledger, 'items', 'realm-a');
    // The record was updated in week 2; week 2 finishes first, week 1 (holding the old version) after it.
    const v2 = item('7', '2024-01-09T09:00:00-08:00', 1, { Name: 'new name' });
    const v1 = item('7', '2024-01-02T09:00:00-08:00', 0);
    const late = await load(run, 1, spooled([v2, item('8', '2024-01-10T00:00:00-08:00')]));
    expect(late).toMatchObject({ counts: { rows_inserted: 2 } });
    const early = await load(run, 0, spooled([v1, item('9', '2024-01-04T00:00:00-08:00')]));
    expect(early).toMatchObject({ counts: { rows_read: 2, rows_inserted: 1, rows_updated: 0, rows_unchanged: 0, rows_skipped: 1 } });
    const stored = await pool.query(`SELECT payload, source_sync_token, extract_window_start_utc FROM raw.qb_items WHERE id = '7'`);
    expect(stored.rows[0].payload).toEqual(v2);
    expect(stored.rows[0].extract_window_start_utc.toISOString()).toBe('2024-01-08T00:00:00.000Z');

    const rerun = await extractedRun(ledger, 'items', 'realm-a');
    const v3 = item('7', '2024-01-10T09:00:00-08:00', 2, { Name: 'newest' });
    expect(await load(rerun, 1, spooled([v3]))).toMatchObject({ counts: { rows_updated: 1 } });
    expect((await pool.query(`SELECT payload->>'Name' AS n, run_id FROM raw.qb_items WHERE id = '7'`)).rows).toEqual([
      { n: 'newest', run_id: rerun.runId },
    ]);
  });

  it('with equal LastUpdatedTime the SyncToken decides which version is newer', async () => {
    const run = await extractedRun(ledger, 'items', 'realm-a');
    const at = '2024-01-05T12:00:00-08:00';
    await load(run, 0, spooled([item('5', at, 3, { Name: 'token 3' })]));
    const other = await extractedRun(ledger, 'items', 'realm-a');
    expect(await load(other, 0, spooled([item('5', at, 2, { Name: 'token 2' })]))).toMatchObject({ counts: { rows_skipped: 1 } });
    const third = await extractedRun(ledger, 'items', 'realm-a');
    expect(await load(third, 0, spooled([item('5', at, 4, { Name: 'token 4' })]))).toMatchObject({ counts: { rows_updated: 1 } });
    expect((await pool.query(`SELECT payload->>'Name' AS n FROM raw.qb_items`)).rows).toEqual([{ n: 'token 4' }]);
  });

  it('an Id twice in one spool keeps its newest version and counts the other as skipped', async () => {
    const run = await extractedRun(ledger, 'items', 'realm-a');
    const rows = spooled([item('4', '2024-01-03T00:00:00Z', 1, { Name: 'newer' }), item('4', '2024-01-02T00:00:00Z', 0)]);
    expect(await load(run, 0, rows)).toMatchObject({ counts: { rows_read: 2, rows_inserted: 1, rows_skipped: 1 } });
    expect((await pool.query(`SELECT payload->>'Name' AS n FROM raw.qb_items`)).rows).toEqual([{ n: 'newer' }]);
  });

  it('refuses to load a second company into a table holding another one, writing nothing', async () => {
    const a = await extractedRun(ledger, 'items', 'realm-a');
    await load(a, 0, spooled([item('1', '2024-01-02T10:00:00-08:00')]));
    const before = await snapshot();
    const b = await extractedRun(ledger, 'items', 'realm-b');
    const err = await load(b, 0, spooled([item('1', '2024-01-02T11:00:00-08:00', 9), item('2', '2024-01-02T11:00:00-08:00')])).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'data', code: 'REALM_MISMATCH' });
    expect((err as Error).message).toMatch(/raw\.qb_items already holds rows of QBO company \(realm\) realm-a; this run loads realm realm-b/);
    expect(await snapshot()).toEqual(before);
    expect((await ledger.getRun(b.runId)).chunks[0]?.status).toBe('extracted');
  });

  it('a record updated outside its window is a data error and nothing of the chunk is written', async () => {
    const run = await extractedRun(ledger, 'items', 'realm-a');
    const rows = spooled([item('1', '2024-01-02T10:00:00-08:00'), item('2', '2024-01-07T16:00:00-08:00')]);
    const err = await load(run, 0, rows).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'data', code: 'SPOOL_BAD_RECORD' });
    expect((err as Error).message).toMatch(/Record Id 2 .* outside its window \[2024-01-01T00:00:00.000Z, 2024-01-08T00:00:00.000Z\)/);
    expect(await snapshot()).toEqual([]);
    expect((await ledger.getRun(run.runId)).chunks[0]?.status).toBe('extracted');
    // The connection went back to the pool in a usable state.
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('records without Id or LastUpdatedTime are data errors', async () => {
    const run = await extractedRun(ledger, 'items', 'realm-a');
    const noId = spooled([{ ...item('1', '2024-01-02T10:00:00-08:00'), Id: '' }]);
    await expect(load(run, 0, noId)).rejects.toThrow(/A record in chunk 0 of items .* has no Id/);
    const noTime = spooled([{ ...item('1', '2024-01-02T10:00:00-08:00'), MetaData: {} }]);
    await expect(load(run, 0, noTime)).rejects.toThrow(/Record Id 1 .* no valid MetaData.LastUpdatedTime/);
    // A time JavaScript would read in the loading machine's own zone: its instant is ambiguous, and nothing is written.
    const noZone = spooled([item('1', '2024-01-02T10:00:00-08:00'), item('2', '2024-01-03T10:00:00')]);
    await expect(load(run, 0, noZone)).rejects.toThrow(/Record Id 2 .* MetaData.LastUpdatedTime without a UTC offset \(2024-01-03T10:00:00\)/);
    expect(await snapshot()).toEqual([]);
  });

  it('stores the instant QBO wrote, to the microsecond, as the raw table\'s constraint reads it', async () => {
    const run = await extractedRun(ledger, 'items', 'realm-a');
    await load(run, 0, spooled([item('1', '2024-01-02T10:00:00.123456-08:00'), item('2', '2024-01-03T10:00:00+0530')]));
    const { rows } = await pool.query(`SELECT id, to_char(source_last_updated_utc AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS utc FROM raw.qb_items ORDER BY id`);
    expect(rows).toEqual([{ id: '1', utc: '2024-01-02 18:00:00.123456' }, { id: '2', utc: '2024-01-03 04:30:00.000000' }]);
  });

  it('streams a large chunk through COPY with values that need escaping', async () => {
    const run = await extractedRun(ledger, 'customers', 'realm-a');
    const n = 3000;
    const records = Array.from({ length: n }, (_, i) =>
      item(String(i + 1), new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(), 0, {
        Notes: `line one\nline\ttwo \\ back\r\n ${'x'.repeat(40)} 😀`,
      }),
    );
    const outcome = await loadChunk(pool, ledger, target(run, 0), () => iterate(spooled(records, 1000)));
    expect(outcome).toMatchObject({ counts: { rows_read: n, rows_inserted: n } });
    const { rows } = await pool.query(`SELECT payload FROM raw.qb_customers WHERE id = '2999'`);
    expect(canonicalJson(rows[0].payload)).toBe(canonicalJson(records[2998]));
  });
});
