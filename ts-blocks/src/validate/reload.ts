/**
 * The validator's default collaborators: the exporter's own spool reader and loader, so the idempotency proof
 * re-loads a window exactly the way the exporter loaded it (same spool checks, the same fast path of record lines
 * COPYed as written and checked in SQL, same merge; and, where PostgreSQL refuses a line of that path — a record
 * jsonb cannot hold —, the same row-by-row load with the unstorable rule).
 */
import type { LoadCounts } from '../ledger';
import { chunkSpoolLines, chunkSpoolRows } from '../pipeline/spool-source';
import { readSpool } from '../spool/reader';
import { loadChunkLines } from '../store/load-lines';
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

/**
 * Re-loads a chunk's spool file on the given client (a savepoint client inside the proof's transaction): the fast
 * path first; if PostgreSQL refuses it, that attempt is rolled back and the chunk is loaded row by row, as the
 * exporter does.
 */
export const reloadFromSpool: ChunkReloader = async (client, run, chunk) => {
  const target = chunkTargetOf(run, chunk);
  const path = chunk.spoolPath ?? '';
  let counts: LoadCounts;
  await client.query('BEGIN');
  try {
    counts = (await loadChunkLines(client, [{ target, lines: () => chunkSpoolLines(path, target) }])).get(target.chunkIndex)!;
    await client.query('COMMIT');
  } catch {
    await client.query('ROLLBACK');
    counts = await loadRows(client, target, chunkSpoolRows(path, target));
  }
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
