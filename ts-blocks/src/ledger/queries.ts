/** Read-only views of the ledger for reports and the CLI: run summaries and a run's per-chunk metrics. */
import type { Pool } from 'pg';
import type { ChunkMetrics, Entity } from '../core/events';
import type { ChunkStatus, ReadPass, RunParams, RunStatus } from './types';
import { CHUNK_COLUMNS, RUN_COLUMNS, toParams, type ChunkRow, type RunRow } from './rows';

export interface RunFilter {
  readonly entity?: Entity;
  readonly realmId?: string;
  /** Default 20. */
  readonly limit?: number;
}

export interface RunSummary {
  readonly runId: string;
  readonly status: RunStatus;
  readonly params: RunParams;
  readonly openCount: number;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly error: Record<string, unknown> | null;
  readonly metrics: Record<string, unknown>;
  readonly supersededBy: string | null;
}

export interface ChunkDetail {
  readonly index: number;
  readonly windowStart: Date;
  readonly windowEnd: Date;
  readonly status: ChunkStatus;
  readonly spoolPath: string | null;
  readonly attempts: number;
  readonly metrics: ChunkMetrics & { readonly extract_ms: number; readonly load_ms: number };
  readonly error: Record<string, unknown> | null;
  readonly extractedAt: Date | null;
  readonly loadedAt: Date | null;
  /** The pass that read this chunk with its neighbours (its API calls are booked on the pass's first chunk). */
  readonly readPass: ReadPass | null;
}

export interface RunDetail extends RunSummary {
  readonly chunks: readonly ChunkDetail[];
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isRunId(value: string): boolean {
  return UUID_RE.test(value);
}

function toSummary(row: RunRow): RunSummary {
  return {
    runId: row.run_id,
    status: row.status,
    params: toParams(row),
    openCount: row.open_count,
    startedAt: row.started_at_utc,
    finishedAt: row.finished_at_utc,
    error: row.error,
    metrics: row.metrics,
    supersededBy: row.superseded_by,
  };
}

function toDetail(row: ChunkRow): ChunkDetail {
  return {
    index: row.chunk_index,
    windowStart: row.window_start_utc,
    windowEnd: row.window_end_utc,
    status: row.status,
    spoolPath: row.spool_path,
    attempts: row.attempts,
    metrics: {
      pages_read: row.pages_read,
      rows_read: row.rows_read,
      rows_inserted: row.rows_inserted,
      rows_updated: row.rows_updated,
      rows_unchanged: row.rows_unchanged,
      rows_skipped: row.rows_skipped,
      deleted: row.rows_deleted,
      api_calls: row.api_calls,
      retries: row.retries,
      throttled: row.throttled,
      duration_ms: row.extract_ms + row.load_ms,
      extract_ms: row.extract_ms,
      load_ms: row.load_ms,
      ...(row.source_count === null ? {} : { source_count: row.source_count }),
    },
    error: row.error,
    extractedAt: row.extracted_at_utc,
    loadedAt: row.loaded_at_utc,
    readPass: row.pass_first_chunk === null || row.pass_last_chunk === null
      ? null
      : { first: row.pass_first_chunk, last: row.pass_last_chunk, pages: row.pass_pages_read ?? 0 },
  };
}

export async function listRuns(pool: Pool, filter: RunFilter = {}): Promise<RunSummary[]> {
  const { rows } = await pool.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM ops.backfill_runs
      WHERE ($1::text IS NULL OR entity = $1) AND ($2::text IS NULL OR realm_id = $2)
      ORDER BY started_at_utc DESC, run_id LIMIT $3`,
    [filter.entity ?? null, filter.realmId ?? null, filter.limit ?? 20],
  );
  return rows.map(toSummary);
}

/** The run with its chunks, or undefined when no run has that id. */
export async function getRunDetail(pool: Pool, runId: string): Promise<RunDetail | undefined> {
  if (!isRunId(runId)) return undefined;
  const runs = await pool.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM ops.backfill_runs WHERE run_id = $1`, [runId]);
  const run = runs.rows[0];
  if (!run) return undefined;
  const chunks = await pool.query<ChunkRow>(
    `SELECT ${CHUNK_COLUMNS} FROM ops.backfill_chunks WHERE run_id = $1 ORDER BY chunk_index`,
    [runId],
  );
  return { ...toSummary(run), chunks: chunks.rows.map(toDetail) };
}
