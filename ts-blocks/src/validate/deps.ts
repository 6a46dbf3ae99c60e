/**
 * What the validator needs from the rest of the backfill, injected so each check can be tested on a database
 * populated by hand: the spool reader (records a chunk read) and the loader (spool → raw rows).
 */
import type { PoolClient } from 'pg';
import type { EventSink } from '../core/events';
import type { QboRecord } from '../spool/types';
import type { RunChunk, RunInfo } from './types';

/** Streams the records of one spool file (path from ops.backfill_chunks.spool_path). */
export type ReadSpool = (path: string) => AsyncIterable<{ readonly record: QboRecord }>;

/** Row counts a re-load reports. */
export interface ReloadCounts {
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly skipped: number;
}

/**
 * Loads one chunk's spool into raw.qb_<entity> through `client`, exactly as the exporter does. The idempotency
 * proof calls it inside a transaction it rolls back: transaction statements the loader issues on this client
 * (BEGIN/COMMIT/ROLLBACK) are turned into savepoints, and the client must not be released.
 */
export type ChunkReloader = (client: PoolClient, run: RunInfo, chunk: RunChunk) => Promise<ReloadCounts>;

export interface ValidatorDeps {
  readonly readSpool?: ReadSpool;
  readonly reloadChunk?: ChunkReloader;
  readonly emit?: EventSink;
  /** True when a spool file exists (default: the file system). */
  readonly spoolExists?: (path: string) => boolean;
  /** Monotonic milliseconds for the per-check timings (default: performance.now). */
  readonly now?: () => number;
}
