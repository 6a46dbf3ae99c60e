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
import { copyRefusal, type StagedRecord } from './copy-refusal';
import { keepOriginals } from './originals';
import type { RepairedRecord } from './unstorable';

/** One chunk to load: where its rows go and how to read them (opened when its turn in the COPY stream comes). */
export interface ChunkRows {
  readonly target: ChunkTarget;
  readonly rows: () => AsyncIterable<SpooledRow>;
}

async function* staged(chunks: readonly ChunkRows[], repaired: RepairedRecord[], records: StagedRecord[]): AsyncGenerator<StagingRow> {
  for (const chunk of chunks) {
    for await (const row of chunk.rows()) {
      const staging = toStagingRow(row, chunk.target);
      if (staging.repaired) repaired.push(staging.repaired);
      records.push({ id: staging.id, target: chunk.target });
      yield staging;
    }
  }
}

/**
 * Loads the chunks (all of one run) and returns each chunk's counts, by chunk index. Records stored by the
 * unstorable rule (store/unstorable.ts) have QBO's exact text kept in ops.unstorable_payloads, for this run; a value
 * PostgreSQL still refuses fails the load with an error naming the record and field (store/copy-refusal.ts).
 */
export async function loadChunkRows(client: PoolClient, chunks: readonly ChunkRows[]): Promise<Map<number, LoadCounts>> {
  const staging = { table: STAGING_TABLE, create: CREATE_STAGING, copy: copyStagingSql(STAGING_COLUMNS) };
  const repaired: RepairedRecord[] = [];
  const records: StagedRecord[] = [];
  try {
    await copyIntoStaging(client, staging, copyText(staged(chunks, repaired, records)));
  } catch (e) {
    throw copyRefusal(e, records) ?? e;
  }
  const counts = await mergeStaged(client, chunks.map((c) => c.target), { table: STAGING_TABLE });
  if (repaired.length > 0) await keepOriginals(client, chunks[0]!.target, repaired);
  return counts;
}

/** Loads one chunk's records (see loadChunkRows). */
export async function loadRows(client: PoolClient, target: ChunkTarget, rows: AsyncIterable<SpooledRow>): Promise<LoadCounts> {
  const counts = await loadChunkRows(client, [{ target, rows: () => rows }]);
  return counts.get(target.chunkIndex)!;
}
