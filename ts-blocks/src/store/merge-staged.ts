/**
 * From staged rows to raw.qb_<entity>, on the caller's transaction: the rows are made ready (newest version per Id,
 * typed, hashed) before the raw table's lock is taken, so this work overlaps another load's merge; then the lock,
 * the realm guard and the merge (store/merge.ts). Returns each chunk's counts, by chunk index.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { LoadCounts } from '../ledger/pg-ledger';
import { CREATE_READY, mergeSql, prepareSql, READY_TABLE, stagedCountsSql } from './merge';
import { assertSingleRealm, lockTableForLoad } from './realm-guard';
import type { ChunkTarget } from './staging-row';
import { rawTable } from './tables';

/**
 * A fresh temporary staging table (`create` makes `table`), filled by one streamed COPY of `data`, on the caller's
 * transaction. The table lives until the end of the load (mergeStaged drops it), so a transaction may load again.
 */
export async function copyIntoStaging(
  client: PoolClient,
  staging: { readonly table: string; readonly create: string; readonly copy: string },
  data: AsyncIterable<string | Buffer>,
): Promise<void> {
  // The planner's estimates for a never-analysed temp table are far too high; compiling the queries would not pay.
  await client.query('SET LOCAL jit = off');
  await client.query(`DROP TABLE IF EXISTS pg_temp.${staging.table}`);
  await client.query(staging.create);
  await pipeline(Readable.from(data), client.query(copyFrom(staging.copy)));
}

/** Where the staged rows are: the staging table, and the query giving its typed columns (default: the table). */
export interface Staging {
  readonly table: string;
  readonly columns?: string;
  /** The staged rows are a temporary view (store/load-staged.ts), dropped as such. */
  readonly view?: boolean;
}

interface MergeRow {
  chunk_index: number;
  inserted: string;
  updated: string;
  unchanged: string;
}

export async function mergeStaged(client: PoolClient, targets: readonly ChunkTarget[], staging: Staging): Promise<Map<number, LoadCounts>> {
  const first = targets[0]!;
  const table = rawTable(first.entity);
  await client.query(`DROP TABLE IF EXISTS pg_temp.${READY_TABLE}`);
  await client.query(CREATE_READY);
  await client.query(prepareSql(staging.columns), [
    targets.map((t) => t.chunkIndex),
    targets.map((t) => t.windowStart),
    targets.map((t) => t.windowEnd),
  ]);
  const staged = await client.query<{ chunk_index: number; n: number }>(stagedCountsSql(staging.table));
  // Staging is private to this session: the table lock is only needed from here on.
  await lockTableForLoad(client, table);
  await assertSingleRealm(client, table, first.realmId);
  const { rows } = await client.query<MergeRow>(mergeSql(table), [first.realmId, first.dateField, first.runId]);
  // The temporary tables live until the end of this load, so the caller may load several times in one transaction.
  await client.query(`DROP TABLE pg_temp.${READY_TABLE}; DROP ${staging.view ? 'VIEW' : 'TABLE'} pg_temp.${staging.table}`);
  const read = new Map(staged.rows.map((r) => [r.chunk_index, r.n]));
  const merged = new Map(rows.map((r) => [r.chunk_index, r]));
  const counts = new Map<number, LoadCounts>();
  for (const { chunkIndex } of targets) {
    const m = merged.get(chunkIndex);
    const [inserted, updated, unchanged] = [m?.inserted, m?.updated, m?.unchanged].map((v) => Number(v ?? 0)) as [number, number, number];
    const rowsRead = read.get(chunkIndex) ?? 0;
    counts.set(chunkIndex, {
      rows_read: rowsRead,
      rows_inserted: inserted,
      rows_updated: updated,
      rows_unchanged: unchanged,
      rows_skipped: rowsRead - inserted - updated - unchanged,
    });
  }
  return counts;
}
