/**
 * Loads one chunk's records into raw.qb_<entity> on the caller's transaction: table lock, realm guard, COPY into
 * a temporary staging table (streamed: memory stays flat whatever the chunk size), then one merge statement.
 * Nothing is committed and no transaction statement is issued here: the caller commits together with the ledger
 * update (or rolls back, as the validator's idempotency proof does).
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

async function* staged(rows: AsyncIterable<SpooledRow>, target: ChunkTarget): AsyncGenerator<StagingRow> {
  for await (const row of rows) yield toStagingRow(row, target);
}

async function copyIntoStaging(client: PoolClient, rows: AsyncIterable<SpooledRow>, target: ChunkTarget): Promise<number> {
  let count = 0;
  const sink = client.query(copyFrom(copyStagingSql(STAGING_COLUMNS)));
  await pipeline(Readable.from(copyText(staged(rows, target), () => count++)), sink);
  return count;
}

interface MergeRow {
  staged: string;
  inserted: string;
  updated: string;
  unchanged: string;
}

export async function loadRows(client: PoolClient, target: ChunkTarget, rows: AsyncIterable<SpooledRow>): Promise<LoadCounts> {
  const table = rawTable(target.entity);
  await lockTableForLoad(client, table);
  await assertSingleRealm(client, table, target.realmId);
  // The staging table lives until the end of this load, so the caller may load several chunks in one transaction.
  await client.query(`DROP TABLE IF EXISTS pg_temp.${STAGING_TABLE}`);
  await client.query(CREATE_STAGING);
  const read = await copyIntoStaging(client, rows, target);
  // No ANALYZE: the planner sizes a never-analysed temp table from its page count, which is what the merge needs.
  const { rows: result } = await client.query<MergeRow>(mergeSql(table), [
    target.realmId,
    target.windowStart,
    target.windowEnd,
    target.dateField,
    target.runId,
  ]);
  await client.query(`DROP TABLE pg_temp.${STAGING_TABLE}`);
  const r = result[0] as MergeRow;
  const inserted = Number(r.inserted);
  const updated = Number(r.updated);
  const unchanged = Number(r.unchanged);
  return {
    rows_read: read,
    rows_inserted: inserted,
    rows_updated: updated,
    rows_unchanged: unchanged,
    rows_skipped: Number(r.staged) - inserted - updated - unchanged,
  };
}
