/**
 * Loads chunks' records into raw.qb_<entity> on the caller's transaction: one COPY into a temporary staging table
 * (streamed: memory stays flat whatever the chunk sizes), then the table lock, the realm guard and one merge
 * statement for all of them (store/merge.ts), with counts per chunk. Nothing is committed and no transaction statement is issued
 * here: the caller commits together with the ledger update (or rolls back, as the validator's idempotency proof
 * does).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { LoadCounts } from '../ledger/pg-ledger';
import type { SpooledRow } from '../spool/types';
import { copyText, STAGING_COLUMNS } from './copy-text';
import { copyStagingSql, CREATE_STAGING, mergeSql, STAGING_TABLE } from './merge';
import { assertSingleRealm, lockTableForLoad } from './realm-guard';
import { toStagingRow, type ChunkTarget, type StagingRow } from './staging-row';
import { rawTable } from './tables';

/** One chunk to load: where its rows go and how to read them (opened when its turn in the COPY stream comes). */
export interface ChunkRows {
  readonly target: ChunkTarget;
  readonly rows: () => AsyncIterable<SpooledRow>;
}

async function* staged(chunks: readonly ChunkRows[]): AsyncGenerator<StagingRow> {
  for (const chunk of chunks) for await (const row of chunk.rows()) yield toStagingRow(row, chunk.target);
}

export interface MergeRow {
  chunk_index: number;
  staged: string;
  inserted: string;
  updated: string;
  unchanged: string;
}

/** Loads the chunks (all of one run) and returns each chunk's counts, by chunk index. */
export async function loadChunkRows(client: PoolClient, chunks: readonly ChunkRows[]): Promise<Map<number, LoadCounts>> {
  const first = chunks[0]!.target;
  const table = rawTable(first.entity);
  // The staging table lives until the end of this load, so the caller may load several times in one transaction.
  await client.query(`DROP TABLE IF EXISTS pg_temp.${STAGING_TABLE}`);
  await client.query(CREATE_STAGING);
  await pipeline(Readable.from(copyText(staged(chunks))), client.query(copyFrom(copyStagingSql(STAGING_COLUMNS))));
  // Staging is private to this session: the table lock is only needed from the merge on, so another load may COPY
  // its rows while this one merges.
  await lockTableForLoad(client, table);
  await assertSingleRealm(client, table, first.realmId);
  // No ANALYZE: the planner sizes a never-analysed temp table from its page count, which is what the merge needs.
  const { rows } = await client.query<MergeRow>(mergeSql(table), [
    first.realmId,
    chunks.map((c) => c.target.chunkIndex),
    chunks.map((c) => c.target.windowStart),
    chunks.map((c) => c.target.windowEnd),
    first.dateField,
    first.runId,
  ]);
  await client.query(`DROP TABLE pg_temp.${STAGING_TABLE}`);
  return countsByChunk(rows);
}

/** The merge's per-chunk rows as load counts, by chunk index. */
export function countsByChunk(rows: readonly MergeRow[]): Map<number, LoadCounts> {
  const counts = new Map<number, LoadCounts>();
  for (const r of rows) {
    const [staged, inserted, updated, unchanged] = [r.staged, r.inserted, r.updated, r.unchanged].map(Number) as [number, number, number, number];
    counts.set(r.chunk_index, {
      rows_read: staged,
      rows_inserted: inserted,
      rows_updated: updated,
      rows_unchanged: unchanged,
      rows_skipped: staged - inserted - updated - unchanged,
    });
  }
  return counts;
}

/** Loads one chunk's records (see loadChunkRows). */
export async function loadRows(client: PoolClient, target: ChunkTarget, rows: AsyncIterable<SpooledRow>): Promise<LoadCounts> {
  const counts = await loadChunkRows(client, [{ target, rows: () => rows }]);
  return counts.get(target.chunkIndex)!;
}
