/**
 * One chunk, one transaction: lock the chunk's ledger row, load its records, mark it loaded, commit. A crash at
 * any point leaves either nothing or everything (rows and the 'loaded' mark) committed, so a resume never loads
 * a chunk twice and never skips one.
 */
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { FatalError } from '../core/errors';
import { queryError } from '../db/errors';
import { withTransaction } from '../db/pool';
import type { LoadCounts, PgLedger } from '../ledger/pg-ledger';
import type { SpooledRow } from '../spool/types';
import { loadRows } from './load-rows';
import type { ChunkTarget } from './staging-row';

export type ChunkLoadOutcome =
  | { readonly status: 'loaded'; readonly counts: LoadCounts; readonly loadMs: number }
  | { readonly status: 'already_loaded' };

export interface LoadChunkOptions {
  /** Monotonic milliseconds (injected by tests). */
  readonly now?: () => number;
}

export async function loadChunk(
  pool: Pool,
  ledger: PgLedger,
  target: ChunkTarget,
  openRows: () => AsyncIterable<SpooledRow>,
  options: LoadChunkOptions = {},
): Promise<ChunkLoadOutcome> {
  const now = options.now ?? (() => performance.now());
  const doing = `loading chunk ${target.chunkIndex} of ${target.entity} (run ${target.runId})`;
  try {
    return await withTransaction(pool, async (client): Promise<ChunkLoadOutcome> => {
      const started = now();
      const state = await ledger.lockChunkForLoad(client, target.runId, target.chunkIndex);
      if (state.status === 'loaded') return { status: 'already_loaded' };
      if (state.status !== 'extracted') {
        throw new FatalError(`Cannot load chunk ${target.chunkIndex} of run ${target.runId}: it is '${state.status}', not extracted.`, {
          code: 'LOAD_CHUNK_NOT_EXTRACTED',
          context: { run_id: target.runId, chunk_index: target.chunkIndex, status: state.status },
        });
      }
      const counts = await loadRows(client, target, openRows());
      const loadMs = now() - started;
      await ledger.chunkLoaded(client, target.runId, target.chunkIndex, counts, loadMs);
      return { status: 'loaded', counts, loadMs };
    });
  } catch (e) {
    throw queryError(e, doing);
  }
}
