/**
 * Loads chunks' records, parsed and checked one by one in Node (store/staging-row.ts: a bad record is a DataError
 * naming it), into raw.qb_<entity> on the caller's transaction: one COPY into a temporary staging table (streamed:
 * memory stays flat whatever the chunk sizes), then store/merge-staged.ts, with counts per chunk. Nothing is
 * committed and no transaction statement is issued here: the caller commits together with the ledger update (or
 * rolls back, as the validator's idempotency proof does). The exporter's fast path is store/load-lines.ts.
 */
import type { PoolClient } from 'pg';
import type { LoadCounts } from '../ledger/pg-ledger';
import type { SpooledRow } from '../spool/types';
import { copyText, STAGING_COLUMNS } from './copy-text';
import { copyStagingSql, CREATE_STAGING, STAGING_TABLE } from './merge';
import { copyIntoStaging, mergeStaged } from './merge-staged';
import { toStagingRow, type ChunkTarget, type StagingRow } from './staging-row';

/** One chunk to load: where its rows go and how to read them (opened when its turn in the COPY stream comes). */
export interface ChunkRows {
  readonly target: ChunkTarget;
  readonly rows: () => AsyncIterable<SpooledRow>;
}

async function* staged(chunks: readonly ChunkRows[]): AsyncGenerator<StagingRow> {
  for (const chunk of chunks) for await (const row of chunk.rows()) yield toStagingRow(row, chunk.target);
}

/** Loads the chunks (all of one run) and returns each chunk's counts, by chunk index. */
export async function loadChunkRows(client: PoolClient, chunks: readonly ChunkRows[]): Promise<Map<number, LoadCounts>> {
  const staging = { table: STAGING_TABLE, create: CREATE_STAGING, copy: copyStagingSql(STAGING_COLUMNS) };
  await copyIntoStaging(client, staging, copyText(staged(chunks)));
  return mergeStaged(client, chunks.map((c) => c.target), { table: STAGING_TABLE });
}

/** Loads one chunk's records (see loadChunkRows). */
export async function loadRows(client: PoolClient, target: ChunkTarget, rows: AsyncIterable<SpooledRow>): Promise<LoadCounts> {
  const counts = await loadChunkRows(client, [{ target, rows: () => rows }]);
  return counts.get(target.chunkIndex)!;
}
