/**
 * Live rows (not marked deleted) stored per window of a run, by the run's date field (whatever run wrote them), for
 * the `source_count` check:
 * how many, how many written by another run, how many last updated in QBO after the window's scan started.
 * When the windows tile one range (the normal case, proved by `chunk_coverage`), every row of the range lies in
 * exactly one window, found by `width_bucket` over the sorted window starts: one pass over the table, however many
 * windows. Otherwise (gaps or overlaps) each window is counted by its own range condition, which counts a row of an
 * overlap in both windows, as the check must then. The range is a FILTER, not a WHERE: the pass reads (nearly) the
 * whole table, and a WHERE would let stale statistics (a table just loaded) pick an index scan for all its rows.
 */
import { dateValueSql, type Queryable } from '../run-info';
import type { RunChunk, RunInfo } from '../types';
import type { WindowCounts } from './count-explain';
import { tilingProblems } from './coverage';

/** When a chunk's scan started: its extraction time (the run's start if none) minus how long the extraction took. */
function scanStart(run: RunInfo, c: RunChunk): Date {
  return new Date((c.extractedAt ?? run.startedAt).getTime() - c.extractMs);
}

function toCounts(r: Record<string, unknown>, scanStart: Date): WindowCounts {
  return { stored: Number(r.stored ?? 0), fromOtherRuns: Number(r.from_other_runs ?? 0), updatedSinceScan: Number(r.updated_since_scan ?? 0), scanStart };
}

async function tiledCounts(db: Queryable, run: RunInfo, table: string, chunks: readonly RunChunk[]): Promise<Map<number, WindowCounts>> {
  const dv = dateValueSql(run.dateField);
  const scanOf = (c: RunChunk) => scanStart(run, c);
  const { rows } = await db.query(
    `SELECT b.bucket, count(b.id) FILTER (WHERE b.counted)::bigint AS stored,
            count(b.id) FILTER (WHERE b.counted AND b.run_id <> $1::uuid)::bigint AS from_other_runs,
            count(b.id) FILTER (WHERE b.counted AND b.lu >= ($6::timestamptz[])[b.bucket])::bigint AS updated_since_scan
       FROM (SELECT width_bucket(${dv}, $5::timestamptz[]) AS bucket, t.id, t.run_id, t.source_last_updated_utc AS lu,
                    t.realm_id = $2 AND t.source_deleted_at_utc IS NULL AND ${dv} >= $3 AND ${dv} < $4 AS counted
               FROM ${table} t) b
      GROUP BY b.bucket`,
    [run.runId, run.realmId, chunks[0].windowStart, chunks[chunks.length - 1].windowEnd, chunks.map((c) => c.windowStart), chunks.map(scanOf)],
  );
  const byBucket = new Map(rows.map((r) => [Number(r.bucket), r as Record<string, unknown>]));
  return new Map(chunks.map((c, i) => [c.index, toCounts(byBucket.get(i + 1) ?? {}, scanOf(c))]));
}

async function windowByWindowCounts(db: Queryable, run: RunInfo, table: string): Promise<Map<number, WindowCounts>> {
  const dv = dateValueSql(run.dateField);
  const { rows } = await db.query(
    `SELECT c.chunk_index, count(t.id)::bigint AS stored,
            count(t.id) FILTER (WHERE t.run_id <> c.run_id)::bigint AS from_other_runs,
            count(t.id) FILTER (WHERE t.source_last_updated_utc >= c.scan_start)::bigint AS updated_since_scan
       FROM (SELECT c.run_id, c.chunk_index, c.window_start_utc, c.window_end_utc,
                    coalesce(c.extracted_at_utc, r.started_at_utc) - c.extract_ms * interval '1 millisecond' AS scan_start
               FROM ops.backfill_chunks c JOIN ops.backfill_runs r USING (run_id)
              WHERE c.run_id = $1) c
       LEFT JOIN ${table} t ON t.realm_id = $2 AND t.source_deleted_at_utc IS NULL
                          AND ${dv} >= c.window_start_utc AND ${dv} < c.window_end_utc
      GROUP BY c.chunk_index`,
    [run.runId, run.realmId],
  );
  const byChunk = new Map(rows.map((r) => [Number(r.chunk_index), r as Record<string, unknown>]));
  return new Map(run.chunks.map((c) => [c.index, toCounts(byChunk.get(c.index) ?? {}, scanStart(run, c))]));
}

export async function windowCounts(db: Queryable, run: RunInfo, table: string): Promise<Map<number, WindowCounts>> {
  if (run.chunks.length === 0) return new Map();
  if (tilingProblems(run).length > 0) return windowByWindowCounts(db, run, table);
  const sorted = [...run.chunks].sort((a, b) => a.windowStart.getTime() - b.windowStart.getTime());
  return tiledCounts(db, run, table, sorted);
}
