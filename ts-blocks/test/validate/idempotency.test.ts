import { mkdtempSync, rmSync } from 'node:fs';
import { Pool } from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkIdempotency, selectChunks } from '../../src/validate/checks/idempotency';
import type { ChunkReloader } from '../../src/validate/deps';
import { validationOptions } from '../../src/validate/options';
import { reloadFromSpool } from '../../src/validate/reload';
import { loadRunInfo } from '../../src/validate/run-info';
import { useInitDatabase } from '../helpers/init-database';
import { resetTables, seedCleanRun, writeSpool } from './fixtures';

describe('idempotency proof', () => {
  let spoolDir: string;

  const t = useInitDatabase('validate_idem', { poolMax: 3 });
  beforeAll(() => {
    spoolDir = mkdtempSync(join(tmpdir(), 'qbo-validate-idem-'));
  });
  afterAll(() => {
    rmSync(spoolDir, { recursive: true, force: true });
  });
  beforeEach(async () => resetTables(t.c));

  const tableState = async () =>
    (await t.c.query(`SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY id)) AS h FROM raw.qb_items t`)).rows[0];
  const ledgerState = async () =>
    (await t.c.query(`SELECT md5(string_agg(t::text, '|' ORDER BY chunk_index)) AS h FROM ops.backfill_chunks t`)).rows[0];

  it('re-loading every window of a clean backfill with the exporter\'s loader changes no row', async () => {
    const run = await seedCleanRun(t.c, { days: 21, spoolDir });
    const [before, ledgerBefore] = [await tableState(), await ledgerState()];
    const [r] = await checkIdempotency(t.pool, await loadRunInfo(t.pool, run.runId), validationOptions({ idempotencyChunks: 'all' }), { reloadChunk: reloadFromSpool });
    expect(r.severity).toBe('ok');
    const chunks = r.details.chunks as Array<Record<string, any>>;
    expect(chunks).toHaveLength(3);
    for (const p of chunks) {
      expect(p.reload).toEqual({ inserted: 0, updated: 0, unchanged: run.records.filter((x) => x.chunk === p.chunk).length, skipped: 0 });
      expect(p.diff).toEqual({ inserted: 0, updated: 0, deleted: 0 });
      expect(p.proved_by).toBe('write_counters');
    }
    expect(r.message).toMatch(/changed no row of raw\.qb_items/);
    expect(await tableState()).toEqual(before);
    expect(await ledgerState()).toEqual(ledgerBefore);
  });

  it('fails when a window re-loaded from its spool brings a changed payload, and leaves the table as it was', async () => {
    const run = await seedCleanRun(t.c, { days: 21, spoolDir });
    const records = run.records.filter((x) => x.chunk === 1).map((x) => (x.id === '200' ? { ...x, payload: { ...x.payload, Name: 'Changed at source' } } : x));
    expect(records.some((x) => x.id === '200')).toBe(true);
    writeSpool(run.spoolPaths[1], run, 1, records, records.length);
    const before = await tableState();
    const [r] = await checkIdempotency(t.pool, await loadRunInfo(t.pool, run.runId), validationOptions({ idempotencyChunks: [1] }), { reloadChunk: reloadFromSpool });
    expect(r.severity).toBe('failure');
    const [proof] = r.details.chunks as Array<Record<string, any>>;
    expect(proof.reload).toMatchObject({ updated: 1, inserted: 0 });
    expect(proof.diff).toMatchObject({ payload_changed: 1, row_changed: 1, changed_ids: ['200'] });
    expect(r.message).toMatch(/Re-loading chunk 1 .* changed the table/);
    expect(await tableState()).toEqual(before);
  });

  it('rolls back even a loader that commits its own transaction', async () => {
    const run = await seedCleanRun(t.c, { days: 14, spoolDir });
    const committing: ChunkReloader = async (client) => {
      await client.query('BEGIN');
      await client.query(`UPDATE raw.qb_items SET ingested_at_utc = now() WHERE id = '1'`);
      await client.query('COMMIT');
      client.release();
      return { inserted: 0, updated: 0, unchanged: 1, skipped: 0 };
    };
    const before = await tableState();
    const [r] = await checkIdempotency(t.pool, await loadRunInfo(t.pool, run.runId), validationOptions(), { reloadChunk: committing });
    expect(r.severity).toBe('failure');
    expect((r.details.chunks as Array<Record<string, any>>)[0].diff).toMatchObject({ payload_changed: 0, row_changed: 1, changed_ids: ['1'] });
    expect(await tableState()).toEqual(before);
  });

  it('fails when the re-load writes a row even to equal values, or deletes and re-inserts it', async () => {
    const run = await seedCleanRun(t.c, { days: 14, spoolDir });
    const rewriting: ChunkReloader = async (client) => {
      await client.query(`UPDATE raw.qb_items SET payload = payload WHERE id = '1'`);
      await client.query(`WITH gone AS (DELETE FROM raw.qb_items WHERE id = '2' RETURNING *) INSERT INTO raw.qb_items SELECT * FROM gone`);
      return { inserted: 0, updated: 0, unchanged: 2, skipped: 0 };
    };
    const before = await tableState();
    const [r] = await checkIdempotency(t.pool, await loadRunInfo(t.pool, run.runId), validationOptions(), { reloadChunk: rewriting });
    expect(r.severity).toBe('failure');
    const [proof] = r.details.chunks as Array<Record<string, any>>;
    expect(proof.diff).toMatchObject({ rows_before: run.records.length, rows_after: run.records.length, inserted: 0, deleted: 0, payload_changed: 0, row_changed: 2, changed_ids: ['1', '2'] });
    expect(proof.proved_by).toBe('tuple_snapshot');
    expect(r.message).toMatch(/rows written 2/);
    expect(await tableState()).toEqual(before);
  });

  it('fails when the re-load deletes a row and inserts another, keeping the count', async () => {
    const run = await seedCleanRun(t.c, { days: 14, spoolDir });
    const swapping: ChunkReloader = async (client) => {
      await client.query(`UPDATE raw.qb_items SET id = '999999', payload = payload || '{"Id":"999999"}' WHERE id = '1'`);
      return { inserted: 1, updated: 0, unchanged: 0, skipped: 0 };
    };
    const [r] = await checkIdempotency(t.pool, await loadRunInfo(t.pool, run.runId), validationOptions(), { reloadChunk: swapping });
    expect(r.severity).toBe('failure');
    const [proof] = r.details.chunks as Array<Record<string, any>>;
    expect(proof.diff).toMatchObject({ inserted: 1, deleted: 1, changed_ids: ['1', '999999'] });
  });

  it('sees a write made by a nested savepoint of the re-load, and one that touches only other tables passes', async () => {
    const run = await seedCleanRun(t.c, { days: 14, spoolDir });
    const nested: ChunkReloader = async (client) => {
      await client.query('BEGIN');
      await client.query('BEGIN');
      await client.query(`UPDATE raw.qb_items SET ingested_at_utc = ingested_at_utc WHERE id = '3'`);
      await client.query('COMMIT');
      await client.query('COMMIT');
      return { inserted: 0, updated: 0, unchanged: 1, skipped: 0 };
    };
    const [bad] = await checkIdempotency(t.pool, await loadRunInfo(t.pool, run.runId), validationOptions(), { reloadChunk: nested });
    expect(bad.severity).toBe('failure');
    expect((bad.details.chunks as Array<Record<string, any>>)[0].diff).toMatchObject({ row_changed: 1, changed_ids: ['3'] });
    const elsewhere: ChunkReloader = async (client) => {
      await client.query('CREATE TEMP TABLE qbo_elsewhere (n int)');
      await client.query('INSERT INTO qbo_elsewhere VALUES (1)');
      await client.query(`UPDATE ops.backfill_chunks SET rows_read = rows_read WHERE run_id = $1`, [run.runId]);
      return { inserted: 0, updated: 0, unchanged: 1, skipped: 0 };
    };
    const [ok] = await checkIdempotency(t.pool, await loadRunInfo(t.pool, run.runId), validationOptions(), { reloadChunk: elsewhere });
    expect(ok.severity).toBe('ok');
    expect((ok.details.chunks as Array<Record<string, any>>)[0].proved_by).toBe('write_counters');
  });

  it('a re-load whose own rolled-back attempt wrote rows (counted) but left the table as it was passes, by the tuple snapshot', async () => {
    const run = await seedCleanRun(t.c, { days: 14, spoolDir });
    const retrying: ChunkReloader = async (client, info, chunk) => {
      await client.query('BEGIN');
      await client.query(`UPDATE raw.qb_items SET ingested_at_utc = now() WHERE id = '1'`);
      await client.query('ROLLBACK');
      return reloadFromSpool(client, info, chunk);
    };
    const [r] = await checkIdempotency(t.pool, await loadRunInfo(t.pool, run.runId), validationOptions(), { reloadChunk: retrying });
    expect(r.severity).toBe('ok');
    expect((r.details.chunks as Array<Record<string, any>>)[0]).toMatchObject({
      proved_by: 'tuple_snapshot', diff: { inserted: 0, deleted: 0, payload_changed: 0, row_changed: 0 },
    });
  });

  it('sees a TRUNCATE, which resets the write counters, by the table\'s new file node', async () => {
    const run = await seedCleanRun(t.c, { days: 14, spoolDir });
    const truncating: ChunkReloader = async (client) => {
      await client.query('TRUNCATE raw.qb_items');
      return { inserted: 0, updated: 0, unchanged: 0, skipped: 0 };
    };
    const before = await tableState();
    const [r] = await checkIdempotency(t.pool, await loadRunInfo(t.pool, run.runId), validationOptions(), { reloadChunk: truncating });
    expect(r.severity).toBe('failure');
    const [proof] = r.details.chunks as Array<Record<string, any>>;
    expect(proof).toMatchObject({ proved_by: 'tuple_snapshot', diff: { rows_after: 0, rows_before: run.records.length, deleted: run.records.length } });
    expect(await tableState()).toEqual(before);
  });

  it('proves by row versions where PostgreSQL does not count writes, or the table has inheritance children', async () => {
    const run = await seedCleanRun(t.c, { days: 21, spoolDir });
    const proofsOf = async (pool: typeof t.pool, reloadChunk: ChunkReloader) => {
      const [r] = await checkIdempotency(pool, await loadRunInfo(pool, run.runId), validationOptions({ idempotencyChunks: [1] }), { reloadChunk });
      return { severity: r.severity, proof: (r.details.chunks as Array<Record<string, any>>)[0] };
    };
    const rewriting: ChunkReloader = async (client) => {
      await client.query(`UPDATE raw.qb_items SET payload = payload WHERE id = '1'`);
      return { inserted: 0, updated: 0, unchanged: 1, skipped: 0 };
    };
    const uncounted = new Pool({ connectionString: t.db.url, max: 2, options: '-c track_counts=off' });
    try {
      expect(await proofsOf(uncounted, reloadFromSpool)).toMatchObject({
        severity: 'ok', proof: { proved_by: 'row_versions', diff: { rows_before: run.records.length, rows_after: run.records.length } },
      });
      // Without counters, a write is still found, by its row version.
      expect(await proofsOf(uncounted, rewriting)).toMatchObject({ severity: 'failure', proof: { proved_by: 'tuple_snapshot', diff: { changed_ids: ['1'] } } });
    } finally {
      await uncounted.end();
    }
    await t.c.query('CREATE TABLE raw.qb_items_child () INHERITS (raw.qb_items)');
    try {
      expect(await proofsOf(t.pool, reloadFromSpool)).toMatchObject({ severity: 'ok', proof: { proved_by: 'row_versions' } });
    } finally {
      await t.c.query('DROP TABLE raw.qb_items_child');
    }
  });

  it('picks the largest loaded chunk by default', async () => {
    const run = await seedCleanRun(t.c, { days: 21, perDay: (d) => (d >= 7 && d < 14 ? 30 : 10) });
    const info = await loadRunInfo(t.pool, run.runId);
    expect(selectChunks(info, 'largest').map((x) => x.index)).toEqual([1]);
    expect(selectChunks(info, 'none')).toEqual([]);
    expect(selectChunks(info, [0, 2, 9]).map((x) => x.index)).toEqual([0, 2]);
  });

  it('warns that idempotency is not proven when the spool file is gone', async () => {
    const run = await seedCleanRun(t.c, { days: 14 });
    const [r] = await checkIdempotency(t.pool, await loadRunInfo(t.pool, run.runId), validationOptions(), { reloadChunk: reloadFromSpool });
    expect(r.severity).toBe('warning');
    expect(r.message).toMatch(/not proven .* no loaded chunk was selected|spool file .* is gone/);
  });

  it('reports a re-load that cannot run (corrupt spool) as a failure of the proof', async () => {
    const run = await seedCleanRun(t.c, { days: 14, spoolDir });
    writeSpool(run.spoolPaths[0], { ...run, runId: '00000000-0000-4000-8000-0000000000ff' }, 0, [], 0);
    const [r] = await checkIdempotency(t.pool, await loadRunInfo(t.pool, run.runId), validationOptions({ idempotencyChunks: [0] }), { reloadChunk: reloadFromSpool });
    expect(r.severity).toBe('failure');
    expect(r.message).toMatch(/could not run: .*does not belong to chunk 0/);
  });
});
