/**
 * Records per UTC day over a run's range, by the run's date field (source_last_updated_utc for `last_updated`,
 * TxnDate for `txn_date`), counted from the raw table whatever run wrote the rows. Every day of the range is
 * present (zero when empty); the first and last days are `partial` when the range does not start or end at
 * midnight UTC. Used by the volumetry check and by the reports' charts.
 */
import { dateValueSql, dbFailure, rawTable, type Queryable } from './run-info';
import type { RunInfo } from './types';

export interface DayCount {
  /** YYYY-MM-DD (UTC). */
  readonly day: string;
  readonly count: number;
  /** The range covers only part of this day. */
  readonly partial: boolean;
  /** The chunk whose window holds the start of this day (or of the range, for the first day). */
  readonly chunk: number | null;
}

const DAY_MS = 86_400_000;

export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function rangeDays(start: Date, end: Date): Array<{ day: string; from: Date; partial: boolean }> {
  const days: Array<{ day: string; from: Date; partial: boolean }> = [];
  const first = Math.floor(start.getTime() / DAY_MS) * DAY_MS;
  for (let t = first; t < end.getTime(); t += DAY_MS) {
    const from = Math.max(t, start.getTime());
    const partial = t < start.getTime() || t + DAY_MS > end.getTime();
    days.push({ day: utcDay(new Date(t)), from: new Date(from), partial });
  }
  return days;
}

export async function dailyVolume(db: Queryable, run: RunInfo): Promise<DayCount[]> {
  const table = rawTable(run.entity);
  const dv = dateValueSql(run.dateField);
  let counts: Map<string, number>;
  try {
    // The range is a FILTER, not a WHERE: this reads (nearly) the whole table, and a WHERE would let stale
    // statistics (a table just loaded, not yet analysed) pick an index for 100,000 rows.
    const { rows } = await db.query(
      `SELECT to_char(d.day, 'YYYY-MM-DD') AS day, count(*) FILTER (WHERE d.counted)::bigint AS n
         FROM (SELECT (${dv} AT TIME ZONE 'UTC')::date AS day, t.realm_id = $1 AND ${dv} >= $2 AND ${dv} < $3 AS counted
                 FROM ${table} t) d
        GROUP BY d.day`,
      [run.realmId, run.rangeStart, run.rangeEnd],
    );
    counts = new Map(rows.filter((r) => r.day !== null).map((r) => [String(r.day), Number(r.n)]));
  } catch (e) {
    throw dbFailure(e, `counting ${table} per day for run ${run.runId}`);
  }
  // Epoch numbers, not Dates: comparing Dates converts both on every comparison (days × chunks of them).
  const chunks = run.chunks
    .map((c) => ({ index: c.index, start: c.windowStart.getTime(), end: c.windowEnd.getTime() }))
    .sort((a, b) => a.start - b.start);
  const chunkAt = (d: Date) => {
    const t = d.getTime();
    return chunks.find((c) => c.start <= t && t < c.end)?.index ?? null;
  };
  return rangeDays(run.rangeStart, run.rangeEnd).map((d) => ({
    day: d.day,
    count: counts.get(d.day) ?? 0,
    partial: d.partial,
    chunk: chunkAt(d.from),
  }));
}
