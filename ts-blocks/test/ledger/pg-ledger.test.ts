import type { Pool } from 'pg';
import { FatalError } from '../../src/core/errors';
import { createPool } from '../../src/db/pool';
import { initDatabase } from '../../src/db/init';
import { PgLedger } from '../../src/ledger/pg-ledger';
import type { ChunkPlan, RunParams } from '../../src/ledger/types';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

const DAY = 86_400_000;
const start = new Date('2024-01-01T00:00:00Z');

function plan(n: number, days = 7): ChunkPlan[] {
  return Array.from({ length: n }, (_, index) => ({
    index,
    windowStart: new Date(start.getTime() + index * days * DAY),
    windowEnd: new Date(start.getTime() + (index + 1) * days * DAY),
  }));
}

function params(over: Partial<RunParams> = {}): RunParams {
  return {
    entity: 'items',
    realmId: 'realm-1',
    dateField: 'last_updated',
    rangeStart: start,
    rangeEnd: new Date(start.getTime() + 21 * DAY),
    chunkDays: 7,
    pageSize: 1000,
    resume: true,
    force: false,
    origin: 'cli',
    ...over,
  };
}

const metrics = { pages_read: 1, rows_read: 5, api_calls: 2, retries: 0, throttled: 0, duration_ms: 12 };

describe('PgLedger', () => {
  let db: TestDatabase;
  let pool: Pool;
  let ledger: PgLedger;

  beforeAll(async () => {
    db = await createTestDatabase('ledger');
    pool = createPool({ connectionString: db.url });
    await initDatabase(pool);
    ledger = new PgLedger(pool);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('opens a new run with one pending chunk per window', async () => {
    const run = await ledger.openRun(params({ realmId: 'r-new' }), plan(3));
    expect(run.resumed).toBe(false);
    expect(run.status).toBe('running');
    expect(run.chunks.map((c) => [c.index, c.status, c.windowStart.toISOString()])).toEqual([
      [0, 'pending', '2024-01-01T00:00:00.000Z'],
      [1, 'pending', '2024-01-08T00:00:00.000Z'],
      [2, 'pending', '2024-01-15T00:00:00.000Z'],
    ]);
    expect(run.params).toMatchObject({ entity: 'items', realmId: 'r-new', chunkDays: 7, pageSize: 1000, resume: true });
  });

  it('continues the unfinished run with the same key, keeping finished chunks and restarting interrupted ones', async () => {
    const p = params({ realmId: 'r-resume' });
    const first = await ledger.openRun(p, plan(3));
    await ledger.chunkExtracting(first.runId, 0);
    await ledger.chunkExtracted(first.runId, 0, { spoolPath: '/tmp/c0.ndjson', sourceCount: 5, metrics });
    await ledger.chunkExtracting(first.runId, 1);
    await ledger.setRunStatus(first.runId, 'failed', { error: new FatalError('boom', { code: 'X' }) });

    const again = await ledger.openRun({ ...p, pageSize: 500 }, plan(3));
    expect(again.runId).toBe(first.runId);
    expect(again.resumed).toBe(true);
    expect(again.status).toBe('running');
    expect(again.params.pageSize).toBe(500);
    expect(again.chunks.map((c) => c.status)).toEqual(['extracted', 'pending', 'pending']);
    expect(again.chunks[0]).toMatchObject({ spoolPath: '/tmp/c0.ndjson', sourceCount: 5, attempts: 1 });
    const detail = await ledger.getRunDetail(first.runId);
    expect(detail.error).toBeNull();
    expect(detail.openCount).toBe(2);
  });

  it('starts a new run after a succeeded one', async () => {
    const p = params({ realmId: 'r-done' });
    const first = await ledger.openRun(p, plan(2));
    await ledger.setRunStatus(first.runId, 'succeeded');
    const second = await ledger.openRun(p, plan(2));
    expect(second.runId).not.toBe(first.runId);
    expect(second.resumed).toBe(false);
    expect((await ledger.getRun(first.runId)).status).toBe('succeeded');
  });

  it('with force, or without resume, starts a new run and marks the unfinished one superseded', async () => {
    const p = params({ realmId: 'r-force' });
    const first = await ledger.openRun(p, plan(2));
    const forced = await ledger.openRun({ ...p, force: true }, plan(2));
    expect(forced.runId).not.toBe(first.runId);
    expect(forced.chunks.every((c) => c.status === 'pending')).toBe(true);
    const old = await ledger.getRunDetail(first.runId);
    expect(old.status).toBe('superseded');
    expect(old.supersededBy).toBe(forced.runId);
    expect(old.finishedAt).not.toBeNull();

    const fresh = await ledger.openRun({ ...p, resume: false }, plan(2));
    expect(fresh.runId).not.toBe(forced.runId);
    expect((await ledger.getRun(forced.runId)).status).toBe('superseded');
  });

  it('does not continue a run of another key (range, chunk size, realm or date field)', async () => {
    const p = params({ realmId: 'r-key' });
    const first = await ledger.openRun(p, plan(3));
    const others = [
      await ledger.openRun({ ...p, chunkDays: 3 }, plan(7, 3)),
      await ledger.openRun({ ...p, dateField: 'txn_date' }, plan(3)),
      await ledger.openRun({ ...p, realmId: 'r-key-2' }, plan(3)),
    ];
    for (const o of others) expect(o.runId).not.toBe(first.runId);
    expect((await ledger.getRun(first.runId)).status).toBe('running');
  });

  it('starts a new run when the stored chunk windows differ from the plan', async () => {
    const p = params({ realmId: 'r-plan' });
    const first = await ledger.openRun(p, plan(3));
    const shifted = plan(3).map((c) => ({ ...c, windowEnd: new Date(c.windowEnd.getTime() - 1000) }));
    const second = await ledger.openRun(p, shifted);
    expect(second.runId).not.toBe(first.runId);
    expect((await ledger.getRun(first.runId)).status).toBe('superseded');
  });

  it('two concurrent openers of the same key get the same run', async () => {
    const p = params({ realmId: 'r-concurrent' });
    const [a, b] = await Promise.all([ledger.openRun(p, plan(2)), ledger.openRun(p, plan(2))]);
    expect(a.runId).toBe(b.runId);
    expect([a.resumed, b.resumed].sort()).toEqual([false, true]);
  });

  it('marks a chunk loaded only from extracted, inside the caller transaction', async () => {
    const run = await ledger.openRun(params({ realmId: 'r-load' }), plan(2));
    const counts = { rows_read: 5, rows_inserted: 3, rows_updated: 1, rows_unchanged: 1, rows_skipped: 0 };
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await expect(ledger.chunkLoaded(client, run.runId, 0, counts, 10)).rejects.toThrow(/not in status 'extracted'/);
      await client.query('ROLLBACK');
      await ledger.chunkExtracted(run.runId, 0, { spoolPath: '/tmp/x', sourceCount: 5, metrics });
      await client.query('BEGIN');
      expect((await ledger.lockChunkForLoad(client, run.runId, 0)).status).toBe('extracted');
      await ledger.chunkLoaded(client, run.runId, 0, counts, 10);
      await client.query('ROLLBACK');
      expect((await ledger.getRun(run.runId)).chunks[0]?.status).toBe('extracted');
      await client.query('BEGIN');
      await ledger.chunkLoaded(client, run.runId, 0, counts, 10);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const detail = await ledger.getRunDetail(run.runId);
    expect(detail.chunks[0]).toMatchObject({ status: 'loaded' });
    expect(detail.chunks[0]?.metrics).toMatchObject({ rows_inserted: 3, rows_updated: 1, rows_unchanged: 1, api_calls: 2, load_ms: 10 });
  });

  it('records a failed chunk with its sanitised error, and accumulates API cost across attempts', async () => {
    const run = await ledger.openRun(params({ realmId: 'r-fail' }), plan(1));
    await ledger.chunkExtracting(run.runId, 0);
    await ledger.chunkFailed(run.runId, 0, new FatalError('refresh_token=RT1-abcdefghijklmnop failed', { code: 'QBO_FAULT' }));
    const failed = await ledger.getRunDetail(run.runId);
    expect(failed.chunks[0]?.status).toBe('failed');
    expect(JSON.stringify(failed.chunks[0]?.error)).not.toContain('RT1-abcdefghijklmnop');
    await ledger.chunkExtracting(run.runId, 0);
    await ledger.chunkExtracted(run.runId, 0, { spoolPath: '/tmp/y', sourceCount: 5, metrics });
    await ledger.chunkExtracted(run.runId, 0, { spoolPath: '/tmp/y', sourceCount: 5, metrics });
    const detail = await ledger.getRunDetail(run.runId);
    expect(detail.chunks[0]).toMatchObject({ status: 'extracted', attempts: 2, error: null });
    expect(detail.chunks[0]?.metrics.api_calls).toBe(4);
  });

  it('marks a segment of chunks extracting in one statement and extracted all together, or not at all', async () => {
    const run = await ledger.openRun(params({ realmId: 'r-segment' }), plan(3));
    await ledger.chunksExtracting(run.runId, [0, 1, 2]);
    expect((await ledger.getRunDetail(run.runId)).chunks.map((c) => [c.status, c.attempts])).toEqual([
      ['extracting', 1], ['extracting', 1], ['extracting', 1],
    ]);
    const result = (i: number) => ({ spoolPath: `/tmp/s${i}`, sourceCount: i, metrics });
    // A chunk that is not in the run makes the whole batch fail: none of the others is marked extracted.
    await expect(ledger.chunksExtracted(run.runId, [0, 1, 7].map((index) => ({ index, result: result(index) })))).rejects.toThrow(/Chunk 7 /);
    expect((await ledger.getRunDetail(run.runId)).chunks.every((c) => c.status === 'extracting')).toBe(true);
    const pass = { first: 1, last: 2, pages: 3 }; // chunks 1 and 2 read together (3 pages), chunk 0 alone
    await ledger.chunksExtracted(run.runId, [0, 1, 2].map((index) => ({ index, result: { ...result(index), ...(index > 0 && { pass }) } })));
    const detail = await ledger.getRunDetail(run.runId);
    expect(detail.chunks.map((c) => [c.status, c.spoolPath, c.metrics.source_count, c.readPass])).toEqual([
      ['extracted', '/tmp/s0', 0, null], ['extracted', '/tmp/s1', 1, pass], ['extracted', '/tmp/s2', 2, pass],
    ]);
    await expect(ledger.chunksExtracting(run.runId, [2, 9])).rejects.toThrow(/is not in ops.backfill_chunks/);
  });

  it('records a batch of extracted chunks with each chunk its own values, in one statement', async () => {
    const run = await ledger.openRun(params({ realmId: 'r-batch-extracted' }), plan(3));
    await ledger.chunksExtracting(run.runId, [0, 1, 2]);
    await ledger.chunkExtracted(run.runId, 1, { spoolPath: '/tmp/first', sourceCount: 1, metrics });
    const own = (i: number) => ({
      spoolPath: `/tmp/b${i}.ndjson`,
      sourceCount: i === 1 ? null : 100 + i,
      metrics: { pages_read: 10 + i, rows_read: 20 + i, api_calls: 30 + i, retries: 40 + i, throttled: 50 + i, duration_ms: 60.4 + i },
    });
    await ledger.chunksExtracted(run.runId, [2, 0, 1].map((index) => ({ index, result: own(index) })));
    const detail = await ledger.getRunDetail(run.runId);
    expect(detail.chunks.map((c) => [c.status, c.spoolPath, c.error])).toEqual([
      ['extracted', '/tmp/b0.ndjson', null],
      ['extracted', '/tmp/b1.ndjson', null],
      ['extracted', '/tmp/b2.ndjson', null],
    ]);
    expect(detail.chunks.map((c) => c.metrics)).toEqual([0, 1, 2].map((i) => expect.objectContaining({
      pages_read: 10 + i,
      rows_read: 20 + i,
      // Chunk 1 was already extracted once: the API counters add up.
      api_calls: 30 + i + (i === 1 ? 2 : 0),
      retries: 40 + i,
      throttled: 50 + i,
      extract_ms: 60 + i,
    })));
    // Chunk 1's earlier source_count (1) is replaced by null.
    expect((await ledger.getRun(run.runId)).chunks.map((c) => c.sourceCount)).toEqual([100, null, 102]);
  });

  it('a batch of extracted chunks naming a chunk twice applies both, as one after the other would', async () => {
    const run = await ledger.openRun(params({ realmId: 'r-batch-twice' }), plan(2));
    const result = (spoolPath: string, api_calls: number) => ({ spoolPath, sourceCount: 3, metrics: { ...metrics, api_calls } });
    await ledger.chunksExtracted(run.runId, [{ index: 0, result: result('/tmp/a', 2) }, { index: 0, result: result('/tmp/b', 5) }]);
    const detail = await ledger.getRunDetail(run.runId);
    expect(detail.chunks[0]).toMatchObject({ status: 'extracted', spoolPath: '/tmp/b' });
    expect(detail.chunks[0]?.metrics.api_calls).toBe(7);
    expect(detail.chunks[1]?.status).toBe('pending');
  });

  it('a batch of extracted chunks with one not in the run fails with the single-chunk code and changes nothing', async () => {
    const run = await ledger.openRun(params({ realmId: 'r-batch-missing' }), plan(2));
    const result = { spoolPath: '/tmp/m', sourceCount: 1, metrics };
    const single = await ledger.chunkExtracted(run.runId, 9, result).catch((e: unknown) => e);
    const batch = await ledger.chunksExtracted(run.runId, [0, 9, 1, 8].map((index) => ({ index, result }))).catch((e: unknown) => e);
    expect(single).toMatchObject({ code: 'LEDGER_CHUNK_NOT_FOUND' });
    expect(batch).toBeInstanceOf(FatalError);
    expect(batch).toMatchObject({ code: 'LEDGER_CHUNK_NOT_FOUND', context: { chunk_index: 9 } });
    expect((await ledger.getRun(run.runId)).chunks.map((c) => [c.status, c.spoolPath])).toEqual([
      ['pending', null],
      ['pending', null],
    ]);
  });

  it('locks a batch of chunks for load, returning their states in the order asked, and marks each loaded with its own counts', async () => {
    const run = await ledger.openRun(params({ realmId: 'r-batch-load' }), plan(4));
    for (const i of [0, 1, 3]) await ledger.chunkExtracted(run.runId, i, { spoolPath: `/tmp/l${i}`, sourceCount: i, metrics });
    const counts = (i: number) => ({ rows_read: 10 * i + 4, rows_inserted: 10 * i + 1, rows_updated: i + 1, rows_unchanged: i + 2, rows_skipped: 0 });
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const states = await ledger.lockChunksForLoad(client, run.runId, [0, 1, 2, 3]);
      expect(states.map((s) => [s.index, s.status, s.spoolPath])).toEqual([
        [0, 'extracted', '/tmp/l0'],
        [1, 'extracted', '/tmp/l1'],
        [2, 'pending', null],
        [3, 'extracted', '/tmp/l3'],
      ]);
      expect((await ledger.lockChunksForLoad(client, run.runId, [3, 0])).map((s) => s.index)).toEqual([3, 0]);
      await ledger.chunksLoaded(client, run.runId, [0, 1, 3].map((index) => ({ index, counts: counts(index), loadMs: 5.4 + index })));
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const detail = await ledger.getRunDetail(run.runId);
    expect(detail.chunks.map((c) => c.status)).toEqual(['loaded', 'loaded', 'pending', 'loaded']);
    for (const i of [0, 1, 3]) {
      const { rows_read: _, ...own } = counts(i);
      expect(detail.chunks[i]?.metrics).toMatchObject({ ...own, load_ms: 5 + i });
      expect(detail.chunks[i]?.loadedAt).not.toBeNull();
    }
  });

  it('the batch lock and loaded marks fail on a missing chunk with the codes of their single-chunk forms', async () => {
    const run = await ledger.openRun(params({ realmId: 'r-batch-load-missing' }), plan(2));
    await ledger.chunkExtracted(run.runId, 0, { spoolPath: '/tmp/x', sourceCount: 5, metrics });
    await ledger.chunkExtracted(run.runId, 1, { spoolPath: '/tmp/y', sourceCount: 5, metrics });
    const counts = { rows_read: 1, rows_inserted: 1, rows_updated: 0, rows_unchanged: 0, rows_skipped: 0 };
    const client = await pool.connect();
    const attempt = async (work: () => Promise<unknown>): Promise<unknown> => {
      await client.query('BEGIN');
      try {
        return await work().catch((e: unknown) => e);
      } finally {
        await client.query('ROLLBACK');
      }
    };
    try {
      const singleLock = await attempt(() => ledger.lockChunkForLoad(client, run.runId, 7));
      const batchLock = await attempt(() => ledger.lockChunksForLoad(client, run.runId, [0, 7, 1]));
      expect(singleLock).toMatchObject({ code: 'LEDGER_CHUNK_NOT_FOUND', context: { chunk_index: 7 } });
      expect(batchLock).toMatchObject({ code: 'LEDGER_CHUNK_NOT_FOUND', context: { chunk_index: 7 } });

      const singleLoaded = await attempt(() => ledger.chunkLoaded(client, run.runId, 7, counts, 1));
      const batchLoaded = await attempt(() =>
        ledger.chunksLoaded(client, run.runId, [0, 7, 1].map((index) => ({ index, counts, loadMs: 1 }))),
      );
      const twice = await attempt(() => ledger.chunksLoaded(client, run.runId, [0, 0].map((index) => ({ index, counts, loadMs: 1 }))));
      expect(singleLoaded).toMatchObject({ code: 'LEDGER_CHUNK_NOT_EXTRACTED', context: { chunk_index: 7 } });
      expect(batchLoaded).toMatchObject({ code: 'LEDGER_CHUNK_NOT_EXTRACTED', context: { chunk_index: 7 } });
      expect(twice).toMatchObject({ code: 'LEDGER_CHUNK_NOT_EXTRACTED', context: { chunk_index: 0 } });
    } finally {
      client.release();
    }
    expect((await ledger.getRun(run.runId)).chunks.map((c) => c.status)).toEqual(['extracted', 'extracted']);
  });

  it('puts a chunk whose extraction was cancelled back to pending, with no error, and leaves finished chunks alone', async () => {
    const run = await ledger.openRun(params({ realmId: 'r-cancel' }), plan(2));
    await ledger.chunkExtracting(run.runId, 0);
    await ledger.chunkExtracting(run.runId, 1);
    await ledger.chunkExtracted(run.runId, 1, { spoolPath: '/tmp/z', sourceCount: 5, metrics });
    await ledger.chunkInterrupted(run.runId, 0);
    await ledger.chunkInterrupted(run.runId, 1);
    const detail = await ledger.getRunDetail(run.runId);
    expect(detail.chunks.map((c) => [c.status, c.error])).toEqual([
      ['pending', null],
      ['extracted', null],
    ]);
  });

  it('sets run status and merges metrics; lists runs newest first', async () => {
    const run = await ledger.openRun(params({ realmId: 'r-list', entity: 'customers' }), plan(1));
    await ledger.setRunStatus(run.runId, 'loaded', { metrics: { rows_inserted: 4 } });
    await ledger.setRunStatus(run.runId, 'succeeded', { metrics: { validation: 'ok' } });
    const [latest] = await ledger.listRuns({ entity: 'customers' });
    expect(latest?.runId).toBe(run.runId);
    expect(latest?.metrics).toEqual({ rows_inserted: 4, validation: 'ok' });
    expect(latest?.finishedAt).not.toBeNull();
    expect(await ledger.listRuns({ entity: 'invoices' })).toEqual([]);
  });

  it('a run id that does not exist is a clear config error', async () => {
    await expect(ledger.getRun('00000000-0000-4000-8000-000000000000')).rejects.toThrow(/is not in ops\.backfill_runs/);
    await expect(ledger.getRun('not-a-uuid')).rejects.toMatchObject({ kind: 'config', code: 'LEDGER_RUN_NOT_FOUND' });
  });
});
