import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import type { BackfillEvent, ChunkEvent } from '../../src/core/events';
import { initDatabase } from '../../src/db/init';
import { createPool } from '../../src/db/pool';
import { PgLedger } from '../../src/ledger/pg-ledger';
import { exportRun } from '../../src/pipeline/export-run';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { extractChunk, item, openItemsRun, writeChunkSpool } from '../store/fixtures';

describe('exportRun', () => {
  let db: TestDatabase;
  let pool: Pool;
  let ledger: PgLedger;
  let dir: string;
  let events: BackfillEvent[];
  const deps = () => ({ pool, ledger, emit: (e: BackfillEvent) => events.push(e) });
  const loadEvents = () => events.filter((e): e is ChunkEvent => e.type === 'chunk').map((e) => [e.chunk_index, e.status, e.reason ?? '']);

  beforeAll(async () => {
    db = await createTestDatabase('export');
    pool = createPool({ connectionString: db.url });
    await initDatabase(pool);
    ledger = new PgLedger(pool);
    dir = mkdtempSync(join(tmpdir(), 'qbo-export-'));
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    events = [];
    await pool.query('TRUNCATE raw.qb_items');
  });

  it('loads every extracted chunk from its spool file, emits chunk events and marks the run loaded', async () => {
    const run = await openItemsRun(ledger, 'realm-x');
    await extractChunk(ledger, dir, run, 0, [item('1', '2024-01-02T10:00:00-08:00'), item('2', '2024-01-03T10:00:00-08:00')]);
    await extractChunk(ledger, dir, run, 1, [item('3', '2024-01-09T10:00:00-08:00')]);
    const summary = await exportRun(deps(), run.runId, 'items');
    expect(summary).toMatchObject({
      run_id: run.runId,
      entity: 'items',
      status: 'loaded',
      chunks_loaded: 2,
      chunks_skipped: 0,
      totals: { rows_read: 3, rows_inserted: 3, rows_updated: 0, rows_unchanged: 0, rows_skipped: 0 },
    });
    expect(summary.chunks.map((c) => [c.chunk_index, c.status, c.rows_inserted])).toEqual([[0, 'loaded', 2], [1, 'loaded', 1]]);
    // Both chunks are loaded by one transaction: each starts when its rows enter the COPY stream, both end at commit.
    expect(loadEvents()).toEqual([[0, 'started', ''], [1, 'started', ''], [0, 'done', ''], [1, 'done', '']]);
    const done = events.find((e): e is ChunkEvent => e.type === 'chunk' && e.status === 'done');
    expect(done).toMatchObject({ phase: 'load', chunk_count: 2, window_start_utc: '2024-01-01T00:00:00.000Z', metrics: { rows_inserted: 2 } });
    const detail = await ledger.getRunDetail(run.runId);
    expect(detail.status).toBe('loaded');
    expect(detail.metrics).toMatchObject({ chunks: 2, chunks_loaded: 2, rows_read: 3, rows_inserted: 3, api_calls: 4 });
    expect((await pool.query('SELECT count(*)::int AS n FROM raw.qb_items')).rows[0].n).toBe(3);
  });

  it('a second export of the same run skips every chunk and changes nothing', async () => {
    const run = await openItemsRun(ledger, 'realm-x');
    await extractChunk(ledger, dir, run, 0, [item('1', '2024-01-02T10:00:00-08:00')]);
    await extractChunk(ledger, dir, run, 1, [item('2', '2024-01-09T10:00:00-08:00')]);
    await exportRun(deps(), run.runId);
    const before = (await pool.query('SELECT t::text AS r FROM raw.qb_items t ORDER BY id')).rows;
    events = [];
    const again = await exportRun(deps(), run.runId);
    expect(again).toMatchObject({ status: 'loaded', chunks_loaded: 0, chunks_skipped: 2, totals: { rows_read: 0 } });
    expect(loadEvents()).toEqual([[0, 'skipped', 'already loaded'], [1, 'skipped', 'already loaded']]);
    expect((await pool.query('SELECT t::text AS r FROM raw.qb_items t ORDER BY id')).rows).toEqual(before);
  });

  it('a resumed run loads only the chunks not loaded yet', async () => {
    const run = await openItemsRun(ledger, 'realm-resume');
    await extractChunk(ledger, dir, run, 1, [item('5', '2024-01-09T10:00:00-08:00')]);
    await expect(exportRun(deps(), run.runId)).rejects.toMatchObject({ code: 'EXPORT_CHUNKS_NOT_EXTRACTED' });
    expect((await ledger.getRun(run.runId)).status).toBe('failed');
    expect((await ledger.getRun(run.runId)).chunks.map((c) => c.status)).toEqual(['pending', 'loaded']);

    const resumed = await openItemsRun(ledger, 'realm-resume', 2, false);
    expect(resumed.runId).toBe(run.runId);
    await extractChunk(ledger, dir, resumed, 0, [item('4', '2024-01-02T10:00:00-08:00')]);
    events = [];
    const summary = await exportRun(deps(), run.runId);
    expect(summary).toMatchObject({ status: 'loaded', chunks_loaded: 1, chunks_skipped: 1, totals: { rows_inserted: 1 } });
    expect(loadEvents()).toEqual([[1, 'skipped', 'already loaded'], [0, 'started', ''], [0, 'done', '']]);
  });

  it('a missing spool file fails the chunk (a resume re-extracts it) and the run, with a clear data error', async () => {
    const run = await openItemsRun(ledger, 'realm-x');
    const path = await extractChunk(ledger, dir, run, 0, [item('1', '2024-01-02T10:00:00-08:00')]);
    await extractChunk(ledger, dir, run, 1, [item('2', '2024-01-09T10:00:00-08:00')]);
    unlinkSync(path);
    const err = await exportRun(deps(), run.runId).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'data', code: 'SPOOL_MISSING' });
    expect((err as Error).message).toMatch(/spool file of chunk 0 of items .* is missing/);
    const state = await ledger.getRunDetail(run.runId);
    expect(state.status).toBe('failed');
    expect(state.chunks.map((c) => c.status)).toEqual(['failed', 'extracted']);
    expect(state.error).toMatchObject({ code: 'SPOOL_MISSING' });
    expect(loadEvents()).toEqual([[0, 'started', ''], [0, 'failed', expect.stringMatching(/is missing/)]]);
    expect((await pool.query('SELECT count(*)::int AS n FROM raw.qb_items')).rows[0].n).toBe(0);
  });

  it('counts per chunk in a batch: an Id read in two chunks is inserted once, in its newer version', async () => {
    const run = await openItemsRun(ledger, 'realm-x', 3);
    await extractChunk(ledger, dir, run, 0, [item('1', '2024-01-02T10:00:00-08:00'), item('2', '2024-01-03T10:00:00-08:00')]);
    await extractChunk(ledger, dir, run, 1, [item('3', '2024-01-09T10:00:00-08:00'), item('1', '2024-01-10T10:00:00-08:00', 1)]);
    await extractChunk(ledger, dir, run, 2, [item('4', '2024-01-16T10:00:00-08:00')]);
    const summary = await exportRun(deps(), run.runId);
    expect(summary.chunks.map((c) => [c.chunk_index, c.status, c.rows_read, c.rows_inserted, c.rows_skipped])).toEqual([
      [0, 'loaded', 2, 1, 1],
      [1, 'loaded', 2, 2, 0],
      [2, 'loaded', 1, 1, 0],
    ]);
    const { rows } = await pool.query(`SELECT id, source_sync_token, extract_window_start_utc FROM raw.qb_items ORDER BY id`);
    expect(rows.map((r) => [r.id, r.source_sync_token, r.extract_window_start_utc.toISOString()])).toEqual([
      ['1', '1', '2024-01-08T00:00:00.000Z'],
      ['2', '0', '2024-01-01T00:00:00.000Z'],
      ['3', '0', '2024-01-08T00:00:00.000Z'],
      ['4', '0', '2024-01-15T00:00:00.000Z'],
    ]);
    const detail = await ledger.getRunDetail(run.runId);
    expect(detail.chunks.map((c) => [c.status, c.metrics.rows_inserted, c.metrics.rows_skipped])).toEqual([['loaded', 1, 1], ['loaded', 2, 0], ['loaded', 1, 0]]);
  });

  it('when a batch fails, loads its chunks one by one: those before the bad one load, the bad one fails, none after', async () => {
    const run = await openItemsRun(ledger, 'realm-x', 3);
    await extractChunk(ledger, dir, run, 0, [item('1', '2024-01-02T10:00:00-08:00')]);
    // Chunk 1's spool holds a record updated in chunk 2's window: a bad record, the whole batch rolls back.
    await extractChunk(ledger, dir, run, 1, [item('2', '2024-01-09T10:00:00-08:00'), item('3', '2024-01-16T10:00:00-08:00')]);
    await extractChunk(ledger, dir, run, 2, [item('4', '2024-01-16T11:00:00-08:00')]);
    const err = await exportRun(deps(), run.runId).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'data', code: 'SPOOL_BAD_RECORD' });
    expect((err as Error).message).toMatch(/Record Id 3 in chunk 1 of items/);
    const detail = await ledger.getRunDetail(run.runId);
    expect(detail.chunks.map((c) => c.status)).toEqual(['loaded', 'failed', 'extracted']);
    expect((await pool.query('SELECT id FROM raw.qb_items ORDER BY id')).rows.map((r) => r.id)).toEqual(['1']);
    expect(loadEvents().filter(([, status]) => status !== 'started')).toEqual([[0, 'done', ''], [1, 'failed', expect.stringMatching(/Record Id 3/)]]);
  });

  it('refuses a spool file written for another chunk', async () => {
    const run = await openItemsRun(ledger, 'realm-x');
    const other = await writeChunkSpool(dir, run, 1, [item('9', '2024-01-09T10:00:00-08:00')]);
    await ledger.chunkExtracted(run.runId, 0, {
      spoolPath: other,
      sourceCount: 1,
      metrics: { pages_read: 1, rows_read: 1, api_calls: 1, retries: 0, throttled: 0, duration_ms: 1 },
    });
    await expect(exportRun(deps(), run.runId)).rejects.toMatchObject({ code: 'SPOOL_MISMATCH', message: expect.stringMatching(/chunk_index is 1, expected 0/) });
  });

  it('refuses another entity\'s run', async () => {
    const run = await openItemsRun(ledger, 'realm-x');
    await expect(exportRun(deps(), run.runId, 'invoices')).rejects.toMatchObject({ code: 'EXPORT_ENTITY_MISMATCH' });
  });
});
