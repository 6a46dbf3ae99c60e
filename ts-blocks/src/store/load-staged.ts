/**
 * The exporter's fastest path: chunks whose spool lines the loader already copied into PostgreSQL
 * (store/pre-stage.ts) are merged from there, with the same check and merge as the lines copied from the spool
 * (store/load-lines.ts), so only the COPY is saved. A chunk qualifies only when its marker in ops.staged_spools holds
 * the SHA-256 of its spool file as it is now (the file is read and hashed first: the same bytes, header included, as
 * the loader staged) and, inside the load's transaction, exactly as many staged lines as the marker says (the file's
 * rows when it was staged); anything else throws, nothing of the load is committed, and the exporter copies the lines
 * from the spool instead. The loaded chunks' markers are deleted in the same transaction; their lines stay until the
 * run's table is dropped at the end of its export (deleting them would leave dead rows to vacuum).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Pool, PoolClient } from 'pg';
import { DataError } from '../core/errors';
import type { LoadCounts } from '../ledger/pg-ledger';
import { isRunId } from '../ledger/queries';
import { assertAllLoadable } from './load-lines';
import { LINE_COLUMNS, LINE_STAGING_TABLE } from './line-staging';
import { mergeStaged } from './merge-staged';
import { STAGED_SPOOLS, stagedLinesTable } from './pre-stage';
import type { ChunkTarget } from './staging-row';

/** A chunk to load from its staged lines: `lines` staged under a marker matching its spool file. */
export interface ChunkStaged {
  readonly target: ChunkTarget;
  readonly staged: { readonly lines: number };
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const block of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) hash.update(block);
  return hash.digest('hex');
}

/**
 * The staged line counts of those of `chunks` (index → spool path) whose marker matches their spool file now, by
 * chunk index; chunks without a marker, or whose file is missing or differs, are left out. Empty when the staging
 * tables do not exist (a database initialised before them).
 */
export async function stagedChunks(pool: Pool, runId: string, chunks: ReadonlyMap<number, string>): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (chunks.size === 0 || !isRunId(runId)) return out;
  const { rows } = await pool.query<{ chunk_index: number; spool_sha256: string; lines: number }>(
    `SELECT chunk_index, spool_sha256, lines FROM ${STAGED_SPOOLS} WHERE run_id = $1 AND chunk_index = ANY($2::int[])`,
    [runId, [...chunks.keys()]],
  ).catch(() => ({ rows: [] })); // no staging tables (initialised before them), or no answer: the spool is read
  for (const row of rows) {
    const path = chunks.get(row.chunk_index);
    if (path === undefined) continue;
    const sha = await fileSha256(path).catch(() => undefined);
    if (sha === row.spool_sha256) out.set(row.chunk_index, row.lines);
  }
  return out;
}

/** The staged lines of the chunks, as the line staging table the checks and the merge read (store/line-staging.ts). */
function stagedLinesView(runId: string, chunkIndexes: readonly number[]): string {
  if (!chunkIndexes.every((i) => Number.isInteger(i))) throw new Error('Bad staged chunk reference.');
  return `CREATE TEMP VIEW ${LINE_STAGING_TABLE} AS
    SELECT (chunk_index::bigint << 32) | line AS ord, chunk_index, doc
      FROM ${stagedLinesTable(runId)}
     WHERE chunk_index = ANY('{${chunkIndexes.join(',')}}'::int[])`;
}

function incomplete(first: ChunkTarget, chunkIndex: number): DataError {
  return new DataError(`The lines staged for chunk ${chunkIndex} of ${first.entity} (run ${first.runId}) do not match its marker.`, {
    code: 'STAGED_LINES_INCOMPLETE',
    context: { run_id: first.runId, chunk_index: chunkIndex },
  });
}

/** Loads the chunks (all of one run, in index order) from their staged lines; each chunk's counts, by chunk index. */
export async function loadChunkStaged(client: PoolClient, chunks: readonly ChunkStaged[]): Promise<Map<number, LoadCounts>> {
  const first = chunks[0]!.target;
  const indexes = chunks.map((c) => c.target.chunkIndex);
  await client.query('SET LOCAL jit = off');
  await client.query(`DROP VIEW IF EXISTS pg_temp.${LINE_STAGING_TABLE}`);
  await client.query(stagedLinesView(first.runId, indexes));
  await assertAllLoadable(client, chunks);
  const counts = await mergeStaged(client, chunks.map((c) => c.target), { table: LINE_STAGING_TABLE, columns: LINE_COLUMNS, view: true });
  // The lines the merge read per chunk (its rows_read) must be the marker's count; otherwise the caller's transaction
  // rolls back and nothing of this load is committed.
  for (const chunk of chunks) {
    if (counts.get(chunk.target.chunkIndex)?.rows_read !== chunk.staged.lines) throw incomplete(first, chunk.target.chunkIndex);
  }
  // The markers go with the load (the lines stay until the run's table is dropped: deleting them would leave dead rows).
  await client.query(`DELETE FROM ${STAGED_SPOOLS} WHERE run_id = $1 AND chunk_index = ANY($2::int[])`, [first.runId, indexes]);
  return counts;
}
