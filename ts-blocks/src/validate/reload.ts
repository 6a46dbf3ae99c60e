/**
 * The validator's default collaborators: the exporter's own spool reader and loader, so the idempotency proof
 * re-loads a window exactly the way the exporter loaded it (same spool checks, the same fast path of record lines
 * COPYed as written and checked in SQL, same merge).
 */
import { chunkSpoolLines } from '../pipeline/spool-source';
import { readSpool } from '../spool/reader';
import { loadChunkLines } from '../store/load-lines';
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

/** Re-loads a chunk's spool file with store/loadChunkLines on the given client (which issues no transaction statement). */
export const reloadFromSpool: ChunkReloader = async (client, run, chunk) => {
  const target = chunkTargetOf(run, chunk);
  const loaded = await loadChunkLines(client, [{ target, lines: () => chunkSpoolLines(chunk.spoolPath ?? '', target) }]);
  const counts = loaded.get(target.chunkIndex)!;
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
