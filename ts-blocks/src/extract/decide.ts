/** Which chunks of an opened run need extracting, and why the others are skipped. */
import type { ChunkState } from '../ledger/types';
import { readSpoolFooter } from '../spool/reader';
import type { SpoolFooter } from '../spool/types';

export interface ChunkDecision {
  readonly chunk: ChunkState;
  /** Set when the chunk is not extracted again. */
  readonly skip?: 'already_loaded' | 'already_extracted';
  readonly reason?: string;
  readonly footer?: SpoolFooter;
}

export async function decideChunk(chunk: ChunkState): Promise<ChunkDecision> {
  if (chunk.status === 'loaded') return { chunk, skip: 'already_loaded', reason: 'loaded earlier in this run' };
  if (chunk.status === 'extracted' && chunk.spoolPath) {
    const footer = await readSpoolFooter(chunk.spoolPath);
    if (footer) return { chunk, skip: 'already_extracted', reason: 'extracted earlier; its spool file is complete', footer };
  }
  return { chunk };
}

export async function classifyChunks(chunks: readonly ChunkState[]): Promise<ChunkDecision[]> {
  const out: ChunkDecision[] = [];
  for (const chunk of chunks) out.push(await decideChunk(chunk));
  return out;
}
