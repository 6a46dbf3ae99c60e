/**
 * The run ledger's contract (implemented over ops.backfill_runs / ops.backfill_chunks by ledger/pg-ledger.ts).
 * A run is one backfill of one entity over one range, cut into chunks (half-open UTC windows). Chunk life:
 *   pending → extracting → extracted (spool file complete, COUNT(*) captured) → loaded (rows upserted, same
 *   transaction as the upsert) ; any → failed (error kept; a resume retries it) ; extracting → pending when the
 *   extraction was cancelled (interrupted run, or stopped by another chunk's failure): not a failure of its own.
 * Resume: opening a run with resume=true and the same key (entity, realm, date field, range, chunk size) as an
 * unfinished run continues that run; a finished or forced one starts a new run.
 */
import type { BackfillError } from '../core/errors';
import type { ChunkMetrics, Entity } from '../core/events';
import type { DateField } from '../core/types';

export type RunStatus = 'running' | 'extracted' | 'loaded' | 'succeeded' | 'failed' | 'superseded';
export type ChunkStatus = 'pending' | 'extracting' | 'extracted' | 'loaded' | 'failed';

export interface RunParams {
  readonly entity: Entity;
  readonly realmId: string;
  readonly dateField: DateField;
  readonly rangeStart: Date;
  readonly rangeEnd: Date;
  readonly chunkDays: number;
  readonly pageSize: number;
  readonly resume: boolean;
  readonly force: boolean;
  readonly origin: 'cli' | 'mage';
  readonly originRef?: string;
}

export interface ChunkPlan {
  readonly index: number;
  readonly windowStart: Date;
  readonly windowEnd: Date;
}

export interface ChunkState extends ChunkPlan {
  readonly status: ChunkStatus;
  readonly spoolPath: string | null;
  readonly sourceCount: number | null;
  readonly attempts: number;
}

export interface RunState {
  readonly runId: string;
  /** True when an unfinished run with the same key was continued. */
  readonly resumed: boolean;
  readonly status: RunStatus;
  readonly params: RunParams;
  readonly chunks: readonly ChunkState[];
}

export interface ExtractResult {
  readonly spoolPath: string;
  readonly sourceCount: number | null;
  readonly metrics: Pick<ChunkMetrics, 'pages_read' | 'rows_read' | 'api_calls' | 'retries' | 'throttled' | 'duration_ms'>;
  /** The pass that read this chunk with its neighbours (chunk indices); absent when it was read alone. */
  readonly pass?: ReadPass;
}

/** One read over several consecutive chunks: its first and last chunk, and the pages it requested in all. */
export interface ReadPass {
  readonly first: number;
  readonly last: number;
  readonly pages: number;
}

/** Lets the opener of a run keep other processes off it (ledger/run-lock.ts); called before anything is written. */
export interface RunGuard {
  /** The run about to be continued or created: take it for this process, or throw to refuse. */
  claim(runId: string): Promise<void>;
  /** An unfinished run about to be superseded without force: throw when another process is working it. */
  checkIdle(runId: string): Promise<void>;
}

export interface ExtractedChunk {
  readonly index: number;
  readonly result: ExtractResult;
}

export interface Ledger {
  /** Creates a run (or continues an unfinished one, see above) with the given chunk plan. */
  openRun(params: RunParams, plan: readonly ChunkPlan[], guard?: RunGuard): Promise<RunState>;
  getRun(runId: string): Promise<RunState>;
  chunkExtracting(runId: string, index: number): Promise<void>;
  chunkExtracted(runId: string, index: number, result: ExtractResult): Promise<void>;
  /** chunkExtracting for several chunks (a segment), in one statement. */
  chunksExtracting(runId: string, indexes: readonly number[]): Promise<void>;
  /** chunkExtracted for several chunks (a segment), in one transaction: all or none. */
  chunksExtracted(runId: string, results: readonly ExtractedChunk[]): Promise<void>;
  chunkFailed(runId: string, index: number, error: BackfillError): Promise<void>;
  /** Puts a chunk whose extraction was cancelled back to pending (a resume extracts it; no error is recorded). */
  chunkInterrupted(runId: string, index: number): Promise<void>;
  setRunStatus(runId: string, status: RunStatus, extra?: { error?: BackfillError; metrics?: Record<string, unknown> }): Promise<void>;
  /**
   * Removes a run that was opened once and never got a chunk extracted or loaded, with its chunks, unless it
   * superseded another run; true when removed. For a configuration error found before the first page: such a run
   * leaves nothing behind, like a bad flag.
   */
  discardRun(runId: string): Promise<boolean>;
}
