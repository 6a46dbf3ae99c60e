/** Mapping between ops.backfill_runs / ops.backfill_chunks rows and the ledger's types. */
import type { Entity } from '../core/events';
import type { DateField } from '../core/types';
import type { ChunkState, ChunkStatus, RunParams, RunStatus } from './types';

export const RUN_COLUMNS = `run_id, entity, realm_id, date_field, range_start_utc, range_end_utc, chunk_days, page_size,
  status, origin, origin_ref, resume, force, open_count, started_at_utc, finished_at_utc, error, metrics, superseded_by`;

export const CHUNK_COLUMNS = `chunk_index, window_start_utc, window_end_utc, status, spool_path, source_count, attempts,
  pages_read, rows_read, rows_inserted, rows_updated, rows_unchanged, rows_skipped, rows_deleted, api_calls, retries,
  throttled, extract_ms, load_ms, error, extracted_at_utc, loaded_at_utc, pass_first_chunk, pass_last_chunk,
  pass_pages_read`;

export interface RunRow {
  run_id: string;
  entity: Entity;
  realm_id: string;
  date_field: DateField;
  range_start_utc: Date;
  range_end_utc: Date;
  chunk_days: string | number;
  page_size: number;
  status: RunStatus;
  origin: 'cli' | 'mage';
  origin_ref: string | null;
  resume: boolean;
  force: boolean;
  open_count: number;
  started_at_utc: Date;
  finished_at_utc: Date | null;
  error: Record<string, unknown> | null;
  metrics: Record<string, unknown>;
  superseded_by: string | null;
}

export interface ChunkRow {
  chunk_index: number;
  window_start_utc: Date;
  window_end_utc: Date;
  status: ChunkStatus;
  spool_path: string | null;
  source_count: number | null;
  attempts: number;
  pages_read: number;
  rows_read: number;
  rows_inserted: number;
  rows_updated: number;
  rows_unchanged: number;
  rows_skipped: number;
  rows_deleted: number;
  api_calls: number;
  retries: number;
  throttled: number;
  extract_ms: number;
  load_ms: number;
  error: Record<string, unknown> | null;
  extracted_at_utc: Date | null;
  loaded_at_utc: Date | null;
  pass_first_chunk: number | null;
  pass_last_chunk: number | null;
  pass_pages_read: number | null;
}

export function toParams(row: RunRow): RunParams {
  return {
    entity: row.entity,
    realmId: row.realm_id,
    dateField: row.date_field,
    rangeStart: row.range_start_utc,
    rangeEnd: row.range_end_utc,
    chunkDays: Number(row.chunk_days),
    pageSize: row.page_size,
    resume: row.resume,
    force: row.force,
    origin: row.origin,
    ...(row.origin_ref === null ? {} : { originRef: row.origin_ref }),
  };
}

export function toChunkState(row: ChunkRow): ChunkState {
  return {
    index: row.chunk_index,
    windowStart: row.window_start_utc,
    windowEnd: row.window_end_utc,
    status: row.status,
    spoolPath: row.spool_path,
    sourceCount: row.source_count,
    attempts: row.attempts,
  };
}

/** Statuses after which a run is over; any other run with the same key may be continued. */
export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'superseded'];
/** Statuses that stamp finished_at_utc. */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'superseded'];
