import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { initDatabase } from '../../src/db/init';
import { PgLedger } from '../../src/ledger/pg-ledger';
import type { ChunkPlan, RunParams, RunStatus } from '../../src/ledger/types';
import { pruneEarlierSpools } from '../../src/spool/prune';
import { spoolPath } from '../../src/spool/paths';
import { stagedLinesTable } from '../../src/store/pre-stage';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

const start = new Date('2024-01-01T00:00:00Z');
const plan: ChunkPlan[] = [0, 1].map((index) => ({
  index,
  windowStart: new Date(start.getTime() + index * 86_400_000),
  windowEnd: new Date(start.getTime() + (index + 1) * 86_400_000),
}));
const metrics = { pages_read: 1, rows_read: 1, api_calls: 1, retries: 0, throttled: 0, duration_ms: 1 };

describe('pruning earlier spool files', () => {
  let db: TestDatabase;
  let pool: Pool;
  let ledger: PgLedger;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('prune');
    pool = createPool({ connectionString: db.url });
    await initDatabase(pool);
    ledger = new PgLedger(pool);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qbo-prune-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A run of `entity` whose two chunks were extracted into real files, left with `status`. */
  async function run(status: RunStatus, over: Partial<RunParams> = {}): Promise<{ runId: string; files: string[] }> {
    const params: RunParams = {
      entity: 'items', realmId: 'realm-1', dateField: 'last_updated', rangeStart: start, rangeEnd: plan[1]!.windowEnd,
      chunkDays: 1, pageSize: 1000, resume: false, force: true, origin: 'cli', ...over,
    };
    const opened = await ledger.openRun(params, plan);
    const files: string[] = [];
    for (const chunk of plan) {
      const file = spoolPath(dir, opened.runId, params.entity, chunk.index);
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, 'x'.repeat(100));
      files.push(file);
      await ledger.chunkExtracted(opened.runId, chunk.index, { spoolPath: file, sourceCount: 1, metrics });
    }
    await ledger.setRunStatus(opened.runId, status);
    return { runId: opened.runId, files };
  }

  it('removes the files of earlier succeeded or superseded runs of the same entity and company, and nothing else', async () => {
    const old = await run('succeeded');
    const superseded = await run('superseded');
    // Another key (a run of the same key would be superseded by the next forced one): it may still be resumed.
    const failed = await run('failed', { dateField: 'txn_date' });
    const otherEntity = await run('succeeded', { entity: 'customers' });
    const otherRealm = await run('succeeded', { realmId: 'realm-2' });
    const current = await run('succeeded');
    const later = await run('succeeded');

    const pruned = await pruneEarlierSpools(pool, current.runId);

    expect(pruned).toEqual({ runs: 2, files: 4, bytes: 400 });
    for (const f of [...old.files, ...superseded.files]) expect(existsSync(f)).toBe(false);
    expect(existsSync(join(dir, old.runId))).toBe(false);
    for (const f of [...failed.files, ...otherEntity.files, ...otherRealm.files, ...current.files, ...later.files]) expect(existsSync(f)).toBe(true);
    // A second pass finds nothing left to remove.
    expect(await pruneEarlierSpools(pool, current.runId)).toEqual({ runs: 2, files: 0, bytes: 0 });
  });

  it('drops what the pruned runs still have staged in PostgreSQL, and only theirs', async () => {
    const stage = async (runId: string) => {
      await pool.query(`CREATE UNLOGGED TABLE ${stagedLinesTable(runId)} (chunk_index int, line int, doc jsonb)`);
      await pool.query(`INSERT INTO ops.staged_spools (run_id, chunk_index, spool_sha256, lines) VALUES ($1, 0, repeat('a', 64), 0)`, [runId]);
    };
    const staged = async (runId: string) =>
      (await pool.query('SELECT to_regclass($1) IS NOT NULL AS t, (SELECT count(*)::int FROM ops.staged_spools WHERE run_id = $2) AS m', [stagedLinesTable(runId), runId])).rows[0];
    const old = await run('succeeded');
    const failed = await run('failed', { dateField: 'txn_date' });
    const current = await run('succeeded');
    for (const r of [old, failed, current]) await stage(r.runId);
    await pruneEarlierSpools(pool, current.runId);
    expect(await staged(old.runId)).toEqual({ t: false, m: 0 });
    expect(await staged(failed.runId)).toEqual({ t: true, m: 1 });
    expect(await staged(current.runId)).toEqual({ t: true, m: 1 });
  });

  it('only removes files named like spool files', async () => {
    const old = await run('succeeded');
    const stray = join(dir, 'notes.txt');
    writeFileSync(stray, 'keep me');
    await pool.query('UPDATE ops.backfill_chunks SET spool_path = $2 WHERE run_id = $1 AND chunk_index = 0', [old.runId, stray]);
    const current = await run('succeeded');
    expect(await pruneEarlierSpools(pool, current.runId)).toMatchObject({ files: 1 });
    expect(existsSync(stray)).toBe(true);
    expect(existsSync(old.files[1]!)).toBe(false);
  });
});
