/**
 * `openRun`: continue the newest unfinished run with the same key, or start a new one.
 * Key = (entity, realm, date field, range, chunk days). A run is continued only when resume is on, force is off,
 * it is not finished (succeeded/superseded) and its chunk windows are the plan's; otherwise a new run starts and
 * every unfinished run with that key is marked superseded by it. An advisory lock on the key makes two
 * concurrent openers agree. The caller's guard (run locks) is asked before anything is written: it takes the run
 * being opened, and, unless force, refuses to supersede a run another process is still working.
 */
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { ChunkPlan, RunGuard, RunParams } from './types';
import { CHUNK_COLUMNS, FINISHED_RUN_STATUSES, RUN_COLUMNS, type ChunkRow, type RunRow } from './rows';

export function runKey(p: RunParams): string {
  return ['run', p.entity, p.realmId, p.dateField, p.rangeStart.toISOString(), p.rangeEnd.toISOString(), p.chunkDays].join('|');
}

const KEY_WHERE = `entity = $1 AND realm_id = $2 AND date_field = $3 AND range_start_utc = $4 AND range_end_utc = $5
  AND chunk_days = $6::numeric`;

function keyValues(p: RunParams): unknown[] {
  return [p.entity, p.realmId, p.dateField, p.rangeStart, p.rangeEnd, p.chunkDays];
}

function samePlan(chunks: readonly ChunkRow[], plan: readonly ChunkPlan[]): boolean {
  if (chunks.length !== plan.length) return false;
  return plan.every((c, i) => {
    const row = chunks[i];
    return (
      row !== undefined &&
      row.chunk_index === c.index &&
      row.window_start_utc.getTime() === c.windowStart.getTime() &&
      row.window_end_utc.getTime() === c.windowEnd.getTime()
    );
  });
}

/** Returns the run id to continue, or undefined when a new run must start. Runs inside the caller's transaction. */
async function continuable(client: PoolClient, params: RunParams, plan: readonly ChunkPlan[]): Promise<string | undefined> {
  if (!params.resume || params.force) return undefined;
  const { rows } = await client.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM ops.backfill_runs WHERE ${KEY_WHERE} ORDER BY started_at_utc DESC, run_id LIMIT 1`,
    keyValues(params),
  );
  const newest = rows[0];
  if (!newest || FINISHED_RUN_STATUSES.includes(newest.status)) return undefined;
  const chunks = await client.query<ChunkRow>(
    `SELECT ${CHUNK_COLUMNS} FROM ops.backfill_chunks WHERE run_id = $1 ORDER BY chunk_index`,
    [newest.run_id],
  );
  return samePlan(chunks.rows, plan) ? newest.run_id : undefined;
}

async function reopen(client: PoolClient, runId: string, params: RunParams): Promise<void> {
  await client.query(
    `UPDATE ops.backfill_runs
        SET status = 'running', finished_at_utc = NULL, error = NULL, open_count = open_count + 1,
            page_size = $2, origin = $3, origin_ref = $4
      WHERE run_id = $1`,
    [runId, params.pageSize, params.origin, params.originRef ?? null],
  );
  // A chunk left 'extracting' by a dead process was never completed: it starts over.
  await client.query(`UPDATE ops.backfill_chunks SET status = 'pending' WHERE run_id = $1 AND status = 'extracting'`, [runId]);
}

async function checkSuperseded(client: PoolClient, params: RunParams, guard: RunGuard | undefined): Promise<void> {
  if (!guard || params.force) return;
  const { rows } = await client.query<{ run_id: string }>(
    `SELECT run_id FROM ops.backfill_runs WHERE ${KEY_WHERE} AND status NOT IN ('succeeded', 'superseded')`,
    keyValues(params),
  );
  for (const row of rows) await guard.checkIdle(row.run_id);
}

async function createRun(client: PoolClient, params: RunParams, plan: readonly ChunkPlan[], guard: RunGuard | undefined): Promise<string> {
  await checkSuperseded(client, params, guard);
  const runId = randomUUID();
  await guard?.claim(runId);
  await client.query(
    `UPDATE ops.backfill_runs SET status = 'superseded', superseded_by = $7, finished_at_utc = now()
      WHERE ${KEY_WHERE} AND status NOT IN ('succeeded', 'superseded')`,
    [...keyValues(params), runId],
  );
  await client.query(
    `INSERT INTO ops.backfill_runs (run_id, entity, realm_id, date_field, range_start_utc, range_end_utc, chunk_days,
       page_size, status, origin, origin_ref, resume, force, started_at_utc)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'running', $9, $10, $11, $12, clock_timestamp())`,
    [
      runId, params.entity, params.realmId, params.dateField, params.rangeStart, params.rangeEnd, params.chunkDays,
      params.pageSize, params.origin, params.originRef ?? null, params.resume, params.force,
    ],
  );
  if (plan.length > 0) {
    await client.query(
      `INSERT INTO ops.backfill_chunks (run_id, chunk_index, window_start_utc, window_end_utc)
       SELECT $1, i, s, e FROM unnest($2::int[], $3::timestamptz[], $4::timestamptz[]) AS t(i, s, e)`,
      [runId, plan.map((c) => c.index), plan.map((c) => c.windowStart), plan.map((c) => c.windowEnd)],
    );
  }
  return runId;
}

/** Opens (continues or creates) a run inside the caller's transaction; returns its id and whether it was continued. */
export async function openRunIn(
  client: PoolClient,
  params: RunParams,
  plan: readonly ChunkPlan[],
  guard?: RunGuard,
): Promise<{ runId: string; resumed: boolean }> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [runKey(params)]);
  const existing = await continuable(client, params, plan);
  if (existing) {
    await guard?.claim(existing);
    await reopen(client, existing, params);
    return { runId: existing, resumed: true };
  }
  return { runId: await createRun(client, params, plan, guard), resumed: false };
}
