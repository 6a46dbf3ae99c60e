/** How an extraction run ends when it does not succeed: circuit breaker, failed chunks, or an interruption. */
import { FatalError, type BackfillError } from '../core/errors';
import type { ChunkState } from '../ledger/types';
import type { CircuitBreaker } from './breaker';
import type { ChunkRecord } from './manifest-builder';

/** What extractSegment throws when its chunks were cancelled (run interrupted or stopped): not a chunk failure. */
export const CHUNK_CANCELLED = 'CHUNK_CANCELLED';

export function breakerError(breaker: CircuitBreaker, chunk: ChunkState, last: BackfillError): FatalError {
  return new FatalError(
    `Circuit breaker open: ${breaker.consecutiveFailures} consecutive chunks failed; the run was stopped. Last failure, ` +
      `chunk ${chunk.index} [${chunk.windowStart.toISOString()}, ${chunk.windowEnd.toISOString()}): ${last.message} ` +
      'Fix the cause, then re-run with resume=true: finished chunks are skipped.',
    { code: 'CIRCUIT_OPEN', context: { chunk_index: chunk.index, last_code: last.code } },
  );
}

export function runFailure(records: Iterable<ChunkRecord>, total: number): FatalError | undefined {
  const failed = [...records].filter((r) => r.status === 'failed');
  if (failed.length === 0) return undefined;
  const first = failed[0]!;
  return new FatalError(
    `${failed.length} of ${total} chunks failed; first, chunk ${first.chunk.index}: ${first.error?.message ?? 'unknown error'} ` +
      'Re-run with resume=true to retry only the failed chunks.',
    { code: 'CHUNKS_FAILED', context: { failed: failed.map((r) => r.chunk.index) } },
  );
}

/** The run was stopped from outside (Ctrl-C, SIGTERM, the block's parent): an interruption, not a failure of the source. */
export function interruptedError(runId: string, signal: AbortSignal, records: Iterable<ChunkRecord>, total: number): FatalError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'a signal';
  const done = [...records].filter((r) => r.status !== 'failed').length;
  return new FatalError(
    `Run ${runId} was interrupted (${reason}) with ${done} of ${total} chunks done. Finished windows are kept: ` +
      're-run with the same parameters to resume.',
    { code: 'INTERRUPTED', context: { run_id: runId, chunks_done: done } },
  );
}
