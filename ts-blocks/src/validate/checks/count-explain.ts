/**
 * Explains why a window's stored row count differs from QBO's COUNT(*) for it.
 *
 * With the chunk's spool file (the ids the scan actually read) the explanation is exact. For the window:
 *   stored = in_window + extra          read = in_window + moved + lost + inconsistent
 *   so stored − count = (read − count) − moved − lost − inconsistent + extra, where
 *   - moved:        read here, but the table holds a NEWER version whose date lies in another window (a later
 *                   update moved the record; it is counted there) — legitimate;
 *   - extra:        in the window now but not read by this scan (kept from an earlier run and since deleted or
 *                   moved in QBO, or updated into the window after the scan) — legitimate;
 *   - lost:         read here but absent from the table — a loading bug;
 *   - inconsistent: read here, stored outside the window with a version not newer than the one read — a bug;
 *   - read − count: the scan and QBO's count disagree; legitimate only if records changed in QBO during the scan.
 * Without the spool, the same terms are bounded from the table: rows updated since the scan started, rows in the
 * window written by other runs.
 */
import { dateValueSql, type Queryable } from '../run-info';
import type { ReadSpool } from '../deps';
import { SAMPLE_IDS, type RunChunk, type RunInfo, type Severity } from '../types';

export interface WindowCounts {
  readonly stored: number;
  /** Rows of the window whose stored version was written by another run. */
  readonly fromOtherRuns: number;
  /** Rows of the window last updated in QBO after the chunk's scan started. */
  readonly updatedSinceScan: number;
  readonly scanStart: Date;
}

export interface Explanation {
  readonly severity: Exclude<Severity, 'ok'>;
  readonly basis: 'spool' | 'table';
  readonly text: string;
  readonly terms: Record<string, unknown>;
}

const sample = (ids: string[]) => ids.slice(0, SAMPLE_IDS);

function inWindowSql(run: RunInfo): string {
  const dv = dateValueSql(run.dateField);
  return `coalesce(${dv} >= $2 AND ${dv} < $3, false)`;
}

/** Rows anywhere in the table updated in QBO at or after `since` and lying outside the window. */
async function updatedElsewhereSince(db: Queryable, run: RunInfo, table: string, chunk: RunChunk, since: Date): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::bigint AS n FROM ${table} t
      WHERE t.realm_id = $1 AND t.source_last_updated_utc >= $4 AND NOT ${inWindowSql(run)}`,
    [run.realmId, chunk.windowStart, chunk.windowEnd, since],
  );
  return Number(rows[0].n);
}

async function spoolVersions(readSpool: ReadSpool, path: string): Promise<Map<string, number | null>> {
  const versions = new Map<string, number | null>();
  for await (const row of readSpool(path)) {
    const lu = row.record.MetaData?.LastUpdatedTime;
    const at = typeof lu === 'string' ? Date.parse(lu) : NaN;
    versions.set(String(row.record.Id), Number.isNaN(at) ? null : at);
  }
  return versions;
}

/** Exact explanation from the ids the scan read. */
export async function explainFromSpool(
  db: Queryable, run: RunInfo, table: string, chunk: RunChunk, counts: WindowCounts, readSpool: ReadSpool, path: string,
): Promise<Explanation> {
  const versions = await spoolVersions(readSpool, path);
  const ids = [...versions.keys()];
  const { rows } = await db.query(
    `SELECT t.id, t.source_last_updated_utc AS lu, ${inWindowSql(run)} AS in_window
       FROM ${table} t WHERE t.id = ANY($1::text[])`,
    [ids, chunk.windowStart, chunk.windowEnd],
  );
  const stored = new Map(rows.map((r) => [String(r.id), r as { lu: Date; in_window: boolean }]));
  const moved: string[] = [];
  const lost: string[] = [];
  const inconsistent: string[] = [];
  let inWindow = 0;
  for (const [id, readAt] of versions) {
    const s = stored.get(id);
    if (!s) lost.push(id);
    else if (s.in_window) inWindow += 1;
    else if (readAt === null || new Date(s.lu).getTime() > readAt) moved.push(id);
    else inconsistent.push(id);
  }
  const extra = counts.stored - inWindow;
  const extraIds = extra > 0 ? await idsNotIn(db, run, table, chunk, ids) : [];
  const readGap = ids.length - (chunk.sourceCount ?? 0);
  const changedDuringScan = readGap === 0 ? 0 : counts.updatedSinceScan + (await updatedElsewhereSince(db, run, table, chunk, counts.scanStart));
  const terms = {
    read: ids.length, moved: moved.length, extra, lost: lost.length, inconsistent: inconsistent.length, read_minus_count: readGap,
    changed_in_qbo_since_scan: changedDuringScan, moved_ids: sample(moved), extra_ids: extraIds, lost_ids: sample(lost),
    inconsistent_ids: sample(inconsistent),
  };
  const parts = describeTerms(moved.length, extra, readGap);
  if (lost.length > 0 || inconsistent.length > 0) {
    const bug = [lost.length ? `${lost.length} record(s) read but missing from the table (e.g. ${lost[0]})` : '',
      inconsistent.length ? `${inconsistent.length} record(s) stored outside the window with an older version (e.g. ${inconsistent[0]})` : '']
      .filter(Boolean).join('; ');
    return { severity: 'failure', basis: 'spool', text: `${bug}; re-load the chunk with force`, terms };
  }
  if (Math.abs(readGap) > changedDuringScan) {
    return { severity: 'failure', basis: 'spool', terms,
      text: `the scan read ${ids.length} records but QBO counted ${chunk.sourceCount}, and only ${changedDuringScan} changed in QBO since: paging lost or duplicated records; re-extract the window with force` };
  }
  return { severity: 'warning', basis: 'spool', text: `explained: ${parts.join('; ')}`, terms };
}

async function idsNotIn(db: Queryable, run: RunInfo, table: string, chunk: RunChunk, ids: string[]): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT t.id FROM ${table} t
      WHERE t.realm_id = $4 AND t.source_deleted_at_utc IS NULL AND ${inWindowSql(run)} AND NOT (t.id = ANY($1::text[]))
      ORDER BY t.id LIMIT ${SAMPLE_IDS}`,
    [ids, chunk.windowStart, chunk.windowEnd, run.realmId],
  );
  return rows.map((r) => String(r.id));
}

function describeTerms(moved: number, extra: number, readGap: number): string[] {
  const parts: string[] = [];
  if (moved > 0) parts.push(`${moved} record(s) read here were updated later and now belong to another window`);
  if (extra > 0) parts.push(`${extra} stored row(s) in this window were not returned by this scan (kept from an earlier run: deleted or moved in QBO since, or updated into the window after the scan)`);
  if (readGap !== 0) parts.push(`the scan read ${Math.abs(readGap)} ${readGap > 0 ? 'more' : 'fewer'} record(s) than QBO counted while records changed in QBO`);
  return parts;
}

/** Bounded explanation from the table alone (no spool file to say which ids the scan read). */
export async function explainFromTable(db: Queryable, run: RunInfo, table: string, chunk: RunChunk, counts: WindowCounts): Promise<Explanation> {
  const diff = counts.stored - (chunk.sourceCount ?? 0);
  if (diff < 0) {
    const candidates = await updatedElsewhereSince(db, run, table, chunk, counts.scanStart);
    const terms = { shortfall: -diff, updated_in_qbo_since_scan_elsewhere: candidates };
    if (-diff <= candidates) {
      return { severity: 'warning', basis: 'table', terms,
        text: `probably explained: ${candidates} record(s) were updated in QBO after this window was scanned and now lie in later windows (no spool file to say which)` };
    }
    return { severity: 'failure', basis: 'table', terms,
      text: `${-diff} record(s) counted by QBO are missing and at most ${candidates} can have moved to later windows: re-extract the window with force` };
  }
  const candidates = counts.fromOtherRuns + counts.updatedSinceScan;
  const terms = { excess: diff, from_other_runs: counts.fromOtherRuns, updated_in_qbo_since_scan: counts.updatedSinceScan };
  if (diff <= candidates) {
    return { severity: 'warning', basis: 'table', terms,
      text: `probably explained: ${counts.fromOtherRuns} row(s) of this window come from earlier runs (deleted or moved in QBO since) and ${counts.updatedSinceScan} were updated after the scan started` };
  }
  return { severity: 'failure', basis: 'table', terms,
    text: `${diff} more row(s) are stored than QBO counted and no earlier run or later update accounts for them: check for rows written outside the loader` };
}
