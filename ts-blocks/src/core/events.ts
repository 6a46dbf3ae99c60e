/**
 * Typed events: the library never prints, it emits these. The CLI renders them (progress bars or NDJSON), the
 * block entry points write them as NDJSON on stdout for the Mage bridge, which logs them (metrics as tags).
 *
 * Block protocol (see docs/block-protocol.md):
 *   stdin:  one JSON document `{"vars": {...}, "secrets": {...}, "upstream": {...} | null}`
 *   stdout: NDJSON, one event per line; the last line is a `result` (exit 0) or an `error` (exit != 0).
 *   `token_rotated` carries a new refresh token: the bridge persists it (Mage Secrets) and never logs it. It is
 *   the only event that may carry a credential, and only in its `refresh_token` field.
 */
import type { ErrorKind } from './errors';

export type Phase = 'config' | 'auth' | 'extract' | 'load' | 'validate' | 'report' | 'run';
export type Entity = 'invoices' | 'customers' | 'items';
export type Level = 'debug' | 'info' | 'warn' | 'error';

/** Per-chunk metrics, as logged and stored in ops.backfill_chunks. */
export interface ChunkMetrics {
  pages_read: number;
  rows_read: number;
  rows_inserted: number;
  rows_updated: number;
  rows_unchanged: number;
  /** Stale versions not written because the table holds a newer one. */
  rows_skipped: number;
  api_calls: number;
  retries: number;
  throttled: number;
  duration_ms: number;
  /** QBO COUNT(*) for the window, captured at extraction. */
  source_count?: number;
}

export interface LogEvent {
  type: 'log';
  level: Level;
  phase: Phase;
  message: string;
  entity?: Entity;
  code?: string;
  tags?: Record<string, string | number | boolean | null>;
}

export interface ChunkEvent {
  type: 'chunk';
  phase: 'extract' | 'load';
  entity: Entity;
  run_id: string;
  chunk_index: number;
  chunk_count: number;
  window_start_utc: string;
  window_end_utc: string;
  status: 'started' | 'done' | 'skipped' | 'failed';
  metrics?: Partial<ChunkMetrics>;
  /** Why a chunk was skipped (already done in a resumed run) or failed. */
  reason?: string;
}

export interface RetryEvent {
  type: 'retry';
  phase: Phase;
  attempt: number;
  delay_ms: number;
  status?: number;
  code: string;
  url: string;
}

export interface TokenRotatedEvent {
  type: 'token_rotated';
  /** The new refresh token. Persist it; never log it. */
  refresh_token: string;
}

export interface ValidationEvent {
  type: 'validation';
  entity: Entity;
  run_id: string;
  check: string;
  severity: 'ok' | 'warning' | 'failure';
  message: string;
  details?: Record<string, unknown>;
}

export interface ResultEvent {
  type: 'result';
  ok: true;
  /** The block's summary: small (counts, run id, paths), returned as the Mage block output. */
  summary: Record<string, unknown>;
}

export interface ErrorEvent {
  type: 'error';
  error: { kind: ErrorKind; code: string; message: string; status?: number; context?: Record<string, unknown> };
}

export type BackfillEvent =
  | LogEvent
  | ChunkEvent
  | RetryEvent
  | TokenRotatedEvent
  | ValidationEvent
  | ResultEvent
  | ErrorEvent;

export type EventSink = (event: BackfillEvent) => void;

/** A sink that drops everything (for library calls whose caller does not care). */
export const nullSink: EventSink = () => undefined;
