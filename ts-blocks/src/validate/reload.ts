/**
 * The validator's default collaborators: the exporter's own spool reader and loader, so the idempotency proof
 * re-loads a window exactly the way the exporter loaded it (same spool checks, same staging, same merge).
 */
import { chunkSpoolRows } from '../pipeline/spool-source';
import { readSpool } from '../spool/reader';
import { loadRows } from '../store/load-rows';
import type { ChunkTarget } from '../store/staging-row';
import type { ChunkReloader, ValidatorDeps } from './deps';
import type { RunChunk, RunInfo } from './types';

export function chunkTargetOf(run: RunInfo, chunk: RunChunk): ChunkTarget {
  return {
    runId: run.runId,
    entity: run.entity,
    realmId: run.realmId,
    dateField: run.dateField,
    chunkIndex: chunk.index,
    windowStart: chunk.windowStart,
    windowEnd: chunk.windowEnd,
  };
}

/** Re-loads a chunk's spool file with store/loadRows on the given client (which issues no transaction statement). */
export const reloadFromSpool: ChunkReloader = async (client, run, chunk) => {
  const target = chunkTargetOf(run, chunk);
  const counts = await loadRows(client, target, chunkSpoolRows(chunk.spoolPath ?? '', target));
  return {
    inserted: counts.rows_inserted,
    updated: counts.rows_updated,
    unchanged: counts.rows_unchanged,
    skipped: counts.rows_skipped,
  };
};

export const DEFAULT_VALIDATOR_DEPS: Required<Pick<ValidatorDeps, 'readSpool' | 'reloadChunk'>> = {
  readSpool,
  reloadChunk: reloadFromSpool,
};
