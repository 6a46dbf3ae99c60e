/**
 * Chunks of one run, one transaction: lock the chunks' ledger rows (one statement), load the records of those not
 * loaded yet (one COPY and one merge for all of them: store/load-lines.ts from spool lines, store/load-rows.ts from
 * parsed rows; or the merge alone, store/load-staged.ts, from lines the loader staged), mark each loaded with its
 * own counts (one statement), commit. A crash at any point leaves either nothing or everything (rows and the
 * 'loaded' marks) committed, so a resume never loads a chunk twice and never skips one.
 */
import { performance } from 'node:perf_hooks';
import type { Pool, PoolClient } from 'pg';
import { FatalError } from '../core/errors';
import { queryError } from '../db/errors';
import { withTransaction } from '../db/pool';
import type { LoadCounts, PgLedger } from '../ledger/pg-ledger';
import type { SpooledRow } from '../spool/types';
import { loadChunkLines, type ChunkLines } from './load-lines';
import { loadChunkRows, type ChunkRows } from './load-rows';
import { loadChunkStaged, type ChunkStaged } from './load-staged';
import type { ChunkTarget } from './staging-row';

export type ChunkLoadOutcome =
  | { readonly status: 'loaded'; readonly counts: LoadCounts; readonly loadMs: number }
  | { readonly status: 'already_loaded' };

/**
 * A chunk's records: parsed rows (checked one by one in Node), its spool's record lines (the fast path), or the lines
 * the loader staged from it (the fastest).
 */
export type ChunkSource = ChunkRows | ChunkLines | ChunkStaged;

/** One COPY and one merge for the chunks to load, by the path their sources take (all alike). */
function loadTodo(client: PoolClient, todo: readonly ChunkSource[]): Promise<Map<number, LoadCounts>> {
  const lines = todo.filter((c): c is ChunkLines => 'lines' in c);
  const staged = todo.filter((c): c is ChunkStaged => 'staged' in c);
  if (lines.length === todo.length) return loadChunkLines(client, lines);
  if (staged.length === todo.length) return loadChunkStaged(client, staged);
  if (lines.length === 0 && staged.length === 0) return loadChunkRows(client, todo as ChunkRows[]);
  throw new FatalError('Chunks loaded together must all be read the same way (rows, spool lines or staged lines).', { code: 'LOAD_MIXED_SOURCES' });
}

export interface LoadChunkOptions {
  /** Monotonic milliseconds (injected by tests). */
  readonly now?: () => number;
}

/**
 * Loads the chunks (of one run, in index order) in one transaction; returns their outcomes in the same order. The
 * transaction's time is shared among the chunks loaded in proportion to their rows (each chunk's load_ms).
 */
export async function loadChunks(pool: Pool, ledger: PgLedger, chunks: readonly ChunkSource[], options: LoadChunkOptions = {}): Promise<ChunkLoadOutcome[]> {
  const now = options.now ?? (() => performance.now());
  const first = chunks[0]!.target;
  const names = chunks.map((c) => c.target.chunkIndex);
  const doing = `loading chunk${names.length > 1 ? 's' : ''} ${names.join(', ')} of ${first.entity} (run ${first.runId})`;
  try {
    return await withTransaction(pool, async (client): Promise<ChunkLoadOutcome[]> => {
      const started = now();
      const todo: ChunkSource[] = [];
      const outcomes = new Map<number, ChunkLoadOutcome>();
      const runId = first.runId;
      const other = chunks.find((c) => c.target.runId !== runId);
      if (other) {
        throw new FatalError(`Chunks loaded together must be of one run (${runId}, not also ${other.target.runId}).`, {
          code: 'LOAD_MIXED_RUNS',
        });
      }
      const states = await ledger.lockChunksForLoad(client, runId, names);
      for (const [i, chunk] of chunks.entries()) {
        const { chunkIndex } = chunk.target;
        const state = states[i]!;
        if (state.status === 'loaded') outcomes.set(chunkIndex, { status: 'already_loaded' });
        else if (state.status === 'extracted') todo.push(chunk);
        else {
          throw new FatalError(`Cannot load chunk ${chunkIndex} of run ${runId}: it is '${state.status}', not extracted.`, {
            code: 'LOAD_CHUNK_NOT_EXTRACTED',
            context: { run_id: runId, chunk_index: chunkIndex, status: state.status },
          });
        }
      }
      if (todo.length > 0) {
        const counts = await loadTodo(client, todo);
        const elapsed = now() - started;
        const rows = todo.reduce((sum, c) => sum + counts.get(c.target.chunkIndex)!.rows_read, 0);
        const loaded = todo.map((chunk) => {
          const own = counts.get(chunk.target.chunkIndex)!;
          const loadMs = rows > 0 ? (elapsed * own.rows_read) / rows : elapsed / todo.length;
          return { index: chunk.target.chunkIndex, counts: own, loadMs };
        });
        await ledger.chunksLoaded(client, runId, loaded);
        for (const { index, counts: own, loadMs } of loaded) outcomes.set(index, { status: 'loaded', counts: own, loadMs });
      }
      return chunks.map((c) => outcomes.get(c.target.chunkIndex)!);
    });
  } catch (e) {
    throw queryError(e, doing);
  }
}

/** Loads one chunk in its own transaction (see loadChunks). */
export async function loadChunk(
  pool: Pool,
  ledger: PgLedger,
  target: ChunkTarget,
  openRows: () => AsyncIterable<SpooledRow>,
  options: LoadChunkOptions = {},
): Promise<ChunkLoadOutcome> {
  const [outcome] = await loadChunks(pool, ledger, [{ target, rows: openRows }], options);
  return outcome!;
}
