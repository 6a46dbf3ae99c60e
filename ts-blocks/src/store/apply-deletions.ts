/**
 * Marks the raw rows a run's confirmed deletions name (ops.source_deletions, written by the loader:
 * extract/deletions.ts), once every chunk of the run is loaded: source_deleted_at_utc, how it was confirmed and the
 * run. Only live rows of the run's realm and range are marked (a marked row keeps its mark and time); each chunk's
 * rows_deleted counts the rows marked in its window. One transaction; running it again marks nothing new.
 */
import type { Pool } from 'pg';
import { queryError } from '../db/errors';
import { withTransaction } from '../db/pool';
import { dateFieldInstantSql } from '../db/txn-date-sql';
import { inRangeSql } from '../ledger/source-deletions';
import type { RunState } from '../ledger/types';
import { rawTable } from './tables';

export interface AppliedDeletions {
  /** Rows marked now. */
  readonly marked: number;
  /** Rows marked now, by chunk index. */
  readonly byChunk: ReadonlyMap<number, number>;
}

export async function applyDeletions(pool: Pool, run: RunState): Promise<AppliedDeletions> {
  const { entity, realmId, dateField, rangeStart, rangeEnd } = run.params;
  const table = rawTable(entity);
  try {
    return await withTransaction(pool, async (client) => {
      const { rows } = await client.query<{ chunk_index: number | null; n: number }>(
        `WITH marked AS (
           UPDATE ${table} r
              SET source_deleted_at_utc = d.deleted_at_utc, source_deleted_by = d.detected_by, source_deleted_run_id = d.run_id
             FROM ops.source_deletions d
            WHERE d.run_id = $1 AND r.id = d.id AND r.realm_id = $2 AND r.source_deleted_at_utc IS NULL AND ${inRangeSql(dateField, 3, 'r')}
           RETURNING r.id, ${dateFieldInstantSql(dateField, 'r')} AS at
         ),
         noted AS (
           UPDATE ops.source_deletions d SET marked = true FROM marked m WHERE d.run_id = $1 AND d.id = m.id
         ),
         counted AS (
           SELECT c.chunk_index, count(*)::int AS n
             FROM marked m
             LEFT JOIN ops.backfill_chunks c ON c.run_id = $1 AND m.at >= c.window_start_utc AND m.at < c.window_end_utc
            GROUP BY c.chunk_index
         ),
         chunks AS (
           UPDATE ops.backfill_chunks c SET rows_deleted = c.rows_deleted + k.n
             FROM counted k WHERE c.run_id = $1 AND c.chunk_index = k.chunk_index
         )
         SELECT chunk_index, n FROM counted`,
        [run.runId, realmId, rangeStart, rangeEnd],
      );
      const byChunk = new Map<number, number>();
      for (const r of rows) if (r.chunk_index !== null) byChunk.set(r.chunk_index, r.n);
      return { marked: rows.reduce((sum, r) => sum + r.n, 0), byChunk };
    });
  } catch (e) {
    throw queryError(e, `marking the records QBO deleted (run ${run.runId})`);
  }
}
