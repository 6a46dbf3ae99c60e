/**
 * Run locks over two real database sessions (as two processes have): one process works a run, the other is refused
 * at once with a message naming the holder, whether it opens the run to extract it or loads it.
 */
import { hostname } from 'node:os';
import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { initDatabase } from '../../src/db/init';
import type { BackfillError } from '../../src/core/errors';
import { PgLedger } from '../../src/ledger/pg-ledger';
import { PgRunLocks } from '../../src/ledger/pg-run-locks';
import { PgSession } from '../../src/ledger/pg-session';
import { heldRunLocks } from '../../src/ledger/run-lock';
import type { ChunkPlan, RunGuard, RunParams } from '../../src/ledger/types';
import { exportRun } from '../../src/pipeline/export-run';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

const start = new Date('2024-01-01T00:00:00Z');
const plan: ChunkPlan[] = [{ index: 0, windowStart: start, windowEnd: new Date('2024-01-08T00:00:00Z') }];
const params = (over: Partial<RunParams> = {}): RunParams => ({
  entity: 'items', realmId: 'realm-locks', dateField: 'last_updated', rangeStart: start, rangeEnd: plan[0]!.windowEnd,
  chunkDays: 7, pageSize: 1000, resume: true, force: false, origin: 'cli', ...over,
});

function guardOf(locks: PgRunLocks): RunGuard {
  return { claim: async (id) => void (await locks.acquire(id)), checkIdle: (id) => locks.assertFree(id) };
}

async function refusal(p: Promise<unknown>): Promise<BackfillError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err as BackfillError,
  );
  if (!e) throw new Error('expected the second process to be refused');
  return e;
}

describe('run locks', () => {
  let db: TestDatabase;
  let pool: Pool;
  let ledger: PgLedger;
  let first: PgSession;
  let second: PgSession;
  let locksA: PgRunLocks;
  let locksB: PgRunLocks;

  beforeAll(async () => {
    db = await createTestDatabase('runlocks');
    pool = createPool({ connectionString: db.url });
    await initDatabase(pool);
    ledger = new PgLedger(pool);
  });
  beforeEach(() => {
    first = new PgSession({ connectionString: db.url }, 'qbo-backfill loader items');
    second = new PgSession({ connectionString: db.url }, 'qbo-backfill cli');
    locksA = new PgRunLocks(first);
    locksB = new PgRunLocks(second);
  });
  afterEach(async () => {
    await first.close();
    await second.close();
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('refuses a second process at once, naming the holder, until the first releases the run', async () => {
    const runId = '0a6f3d7e-8b0e-4b1e-9c43-5d3f2a7b9c01';
    const lock = await locksA.acquire(runId);
    const err = await refusal(locksB.acquire(runId));
    expect(err).toMatchObject({ kind: 'config', code: 'RUN_BUSY' });
    expect(err.message).toContain(`Run ${runId} is being processed by another process (qbo-backfill loader items pid ${process.pid}@${hostname().slice(0, 8)}`);
    expect(err.message).toMatch(/wait for it to finish .* force=true \(CLI: --force\)/i);
    await expect(locksB.assertFree(runId)).rejects.toMatchObject({ code: 'RUN_BUSY' });
    await lock.release();
    await expect(locksB.acquire(runId)).resolves.toMatchObject({ runId });
  });

  it("frees the run when the holder's connection ends, as when its process dies", async () => {
    const runId = '1b7e4e8f-9c1f-4c2f-8d54-6e4f3b8cad12';
    await locksA.acquire(runId);
    await first.close();
    await expect(locksB.acquire(runId)).resolves.toMatchObject({ runId });
  });

  it('keeps a run locked across extraction and load in one process (re-entrant, released by the holder)', async () => {
    const runId = '2c8f5f90-ad20-4d30-9e65-7f5a4c9dbe23';
    const held = heldRunLocks(locksA);
    await (await held.acquire(runId)).release(); // extraction ends
    await (await held.acquire(runId)).release(); // load ends
    await expect(locksB.acquire(runId)).rejects.toMatchObject({ code: 'RUN_BUSY' });
    await held.releaseAll();
    await expect(locksB.acquire(runId)).resolves.toMatchObject({ runId });
  });

  it('refuses to reopen a run another process is extracting, before writing anything', async () => {
    const run = await ledger.openRun(params(), plan, guardOf(locksA));
    const err = await refusal(ledger.openRun(params(), plan, guardOf(locksB)));
    expect(err).toMatchObject({ code: 'RUN_BUSY', context: { run_id: run.runId } });
    const row = await pool.query('SELECT open_count FROM ops.backfill_runs WHERE run_id = $1', [run.runId]);
    expect(row.rows).toEqual([{ open_count: 1 }]);
    // resume=false would supersede the run under the other process's feet: refused too; force starts a new run.
    await expect(ledger.openRun(params({ resume: false }), plan, guardOf(locksB))).rejects.toMatchObject({ code: 'RUN_BUSY' });
    const forced = await ledger.openRun(params({ force: true }), plan, guardOf(locksB));
    expect(forced.runId).not.toBe(run.runId);
  });

  it('refuses to load a run another process holds, before loading anything', async () => {
    const run = await ledger.openRun(params({ realmId: 'realm-load' }), plan, guardOf(locksA));
    const deps = { pool, ledger, emit: () => undefined, runLocks: locksB };
    await expect(exportRun(deps, run.runId)).rejects.toMatchObject({ code: 'RUN_BUSY' });
    const row = await pool.query('SELECT status FROM ops.backfill_runs WHERE run_id = $1', [run.runId]);
    expect(row.rows).toEqual([{ status: 'running' }]);
  });
});
