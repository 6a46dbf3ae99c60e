/**
 * The exporter's fast path: loads chunks' spool record lines into raw.qb_<entity> on the caller's transaction with
 * one COPY of the lines as written into a line staging table (store/line-staging.ts), a check of every staged row in
 * SQL, then the same merge as the row-by-row path (store/merge-staged.ts). Node only
 * splits lines and frames them; PostgreSQL parses each record once. Streamed: memory stays flat. Nothing is
 * committed here (see load-rows.ts).
 */
import type { PoolClient } from 'pg';
import { DataError } from '../core/errors';
import type { LoadCounts } from '../ledger/pg-ledger';
import { COPY_LINES_SQL, CREATE_LINE_STAGING, FIELD_SEPARATOR, FIRST_REFUSED_LINE, LINE_COLUMNS, LINE_STAGING_TABLE } from './line-staging';
import { copyIntoStaging, mergeStaged } from './merge-staged';
import type { ChunkTarget } from './staging-row';

/** One chunk to load by the fast path: where its rows go and its spool's record lines (opened in turn). */
export interface ChunkLines {
  readonly target: ChunkTarget;
  readonly lines: () => AsyncIterable<Buffer>;
}

const BATCH_BYTES = 256 * 1024;
const NEWLINE = Buffer.from('\n');

/** COPY data: `ord <US> chunk_index <US> line` per record line, in ~256 KiB buffers. */
async function* copyData(chunks: readonly ChunkLines[]): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  let ord = 0;
  const separator = String.fromCharCode(FIELD_SEPARATOR);
  for (const chunk of chunks) {
    const suffix = `${separator}${chunk.target.chunkIndex}${separator}`;
    for await (const line of chunk.lines()) {
      const head = Buffer.from(`${ord++}${suffix}`, 'latin1');
      parts.push(head, line, NEWLINE);
      size += head.length + line.length + 1;
      if (size >= BATCH_BYTES) {
        yield Buffer.concat(parts, size);
        [parts, size] = [[], 0];
      }
    }
  }
  if (size > 0) yield Buffer.concat(parts, size);
}

/** Throws a DataError naming the first staged line the fast path refuses (store/line-staging.ts), if any. */
export async function assertAllLoadable(client: PoolClient, chunks: ReadonlyArray<{ readonly target: ChunkTarget }>): Promise<void> {
  const first = chunks[0]!.target;
  const { rows } = await client.query<{ chunk_index: number; id: string | null }>(FIRST_REFUSED_LINE, [
    chunks.map((c) => c.target.chunkIndex),
    chunks.map((c) => c.target.windowStart),
    chunks.map((c) => c.target.windowEnd),
    first.dateField,
  ]);
  const refused = rows[0];
  if (!refused) return;
  throw new DataError(
    `Record ${refused.id === null ? '(no Id)' : `Id ${refused.id}`} in chunk ${refused.chunk_index} of ${first.entity} (run ` +
      `${first.runId}) is not a well-formed record of its window.`,
    { code: 'SPOOL_BAD_RECORD', context: { run_id: first.runId, chunk_index: refused.chunk_index } },
  );
}

/** Loads the chunks (all of one run, in index order) and returns each chunk's counts, by chunk index. */
export async function loadChunkLines(client: PoolClient, chunks: readonly ChunkLines[]): Promise<Map<number, LoadCounts>> {
  await copyIntoStaging(client, { table: LINE_STAGING_TABLE, create: CREATE_LINE_STAGING, copy: COPY_LINES_SQL }, copyData(chunks));
  await assertAllLoadable(client, chunks);
  return mergeStaged(client, chunks.map((c) => c.target), { table: LINE_STAGING_TABLE, columns: LINE_COLUMNS });
}
