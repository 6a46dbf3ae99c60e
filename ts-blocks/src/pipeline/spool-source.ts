/**
 * The exporter's view of a spool file: it must exist and its header must describe the chunk being loaded (run,
 * entity, realm, chunk index, window, date field), otherwise a DataError says so and nothing is loaded.
 */
import { access } from 'node:fs/promises';
import { DataError } from '../core/errors';
import { readSpool, readSpoolHeader } from '../spool/reader';
import { readSpoolRecordLines } from '../spool/record-lines';
import type { SpooledRow, SpoolHeader } from '../spool/types';
import type { ChunkTarget } from '../store/staging-row';

function mismatch(path: string, target: ChunkTarget, header: SpoolHeader): string | undefined {
  const expected: Record<string, string | number> = {
    run_id: target.runId,
    entity: target.entity,
    realm_id: target.realmId,
    chunk_index: target.chunkIndex,
    date_field: target.dateField,
    window_start_utc: target.windowStart.toISOString(),
    window_end_utc: target.windowEnd.toISOString(),
  };
  for (const [key, want] of Object.entries(expected)) {
    let got: unknown = (header as unknown as Record<string, unknown>)[key];
    if (key.startsWith('window_') && typeof got === 'string') got = new Date(got).toISOString();
    if (got !== want) return `${key} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
  }
  return path ? undefined : 'no path';
}

/** Checks the chunk's spool file exists and belongs to the chunk (a DataError otherwise). */
async function checkChunkSpool(path: string, target: ChunkTarget): Promise<void> {
  try {
    await access(path);
  } catch {
    throw new DataError(
      `The spool file of chunk ${target.chunkIndex} of ${target.entity} (run ${target.runId}) is missing: ${path}. ` +
        'Re-run with the same parameters: the chunk is extracted again.',
      { code: 'SPOOL_MISSING', context: { path, chunk_index: target.chunkIndex } },
    );
  }
  const header = await readSpoolHeader(path);
  const problem = mismatch(path, target, header);
  if (problem) {
    throw new DataError(`The spool file ${path} does not belong to chunk ${target.chunkIndex} of run ${target.runId}: ${problem}.`, {
      code: 'SPOOL_MISMATCH',
      context: { path, chunk_index: target.chunkIndex },
    });
  }
}

/** Streams the rows of the chunk's spool after checking the file exists and belongs to the chunk. */
export async function* chunkSpoolRows(path: string, target: ChunkTarget): AsyncGenerator<SpooledRow> {
  await checkChunkSpool(path, target);
  yield* readSpool(path);
}

/** The same checks, then the spool's record lines as written (the exporter's fast path, store/load-lines.ts). */
export async function* chunkSpoolLines(path: string, target: ChunkTarget): AsyncGenerator<Buffer> {
  await checkChunkSpool(path, target);
  yield* readSpoolRecordLines(path);
}
