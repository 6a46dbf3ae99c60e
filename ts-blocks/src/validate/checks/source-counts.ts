/**
 * `source_count`: for every loaded window, the live rows stored for it (by their date field, whatever run wrote them;
 * rows marked deleted, source_deleted_at_utc, are not counted)
 * against QBO's COUNT(*) captured at extraction (ops.backfill_chunks.source_count). A mismatch is explained from
 * the chunk's spool file and the table (./count-explain.ts); an explained one is a warning, the rest failures.
 */
import { existsSync } from 'node:fs';
import type { ReadSpool } from '../deps';
import { dbFailure, rawTable, type Queryable } from '../run-info';
import { worstSeverity, type CheckResult, type RunChunk, type RunInfo } from '../types';
import { explainFromSpool, explainFromTable, type Explanation, type WindowCounts } from './count-explain';
import { windowCounts } from './window-counts';

export const SOURCE_COUNT_CHECK = 'source_count';
const MAX_LISTED = 50;

export interface SourceCountDeps {
  readonly readSpool?: ReadSpool;
  readonly spoolExists?: (path: string) => boolean;
}

interface ChunkVerdict {
  readonly chunk: number;
  readonly window: [string, string];
  readonly source_count: number | null;
  readonly stored: number;
  readonly rows_read: number;
  readonly severity: Exclude<CheckResult['severity'], 'ok'>;
  readonly explanation: string;
  readonly basis?: Explanation['basis'];
  readonly terms?: Record<string, unknown>;
}

async function judge(
  db: Queryable, run: RunInfo, table: string, chunk: RunChunk, counts: WindowCounts, deps: SourceCountDeps,
): Promise<ChunkVerdict | undefined> {
  const base = {
    chunk: chunk.index,
    window: [chunk.windowStart.toISOString(), chunk.windowEnd.toISOString()] as [string, string],
    source_count: chunk.sourceCount,
    stored: counts.stored,
    rows_read: chunk.rowsRead,
  };
  if (chunk.sourceCount === null) {
    return { ...base, severity: 'warning', explanation: 'QBO COUNT(*) was not captured for this window; re-extract it with force to compare' };
  }
  if (counts.stored === chunk.sourceCount) return undefined;
  const exists = deps.spoolExists ?? existsSync;
  const path = chunk.spoolPath;
  const e = deps.readSpool && path && exists(path)
    ? await explainFromSpool(db, run, table, chunk, counts, deps.readSpool, path)
    : await explainFromTable(db, run, table, chunk, counts);
  return { ...base, severity: e.severity, explanation: e.text, basis: e.basis, terms: e.terms };
}

export async function checkSourceCounts(db: Queryable, run: RunInfo, deps: SourceCountDeps = {}): Promise<CheckResult[]> {
  const table = rawTable(run.entity);
  try {
    const counts = await windowCounts(db, run, table);
    const loaded = run.chunks.filter((c) => c.status === 'loaded');
    const verdicts: ChunkVerdict[] = [];
    for (const chunk of loaded) {
      const c = counts.get(chunk.index);
      if (!c) continue;
      const v = await judge(db, run, table, chunk, c, deps);
      if (v) verdicts.push(v);
    }
    return [summarise(run, table, loaded.length, verdicts)];
  } catch (e) {
    throw dbFailure(e, `comparing ${table} with QBO counts for run ${run.runId}`);
  }
}

function summarise(run: RunInfo, table: string, compared: number, verdicts: ChunkVerdict[]): CheckResult {
  const severity = worstSeverity(verdicts.map((v) => v.severity));
  const sourceTotal = run.chunks.reduce((n, c) => n + (c.sourceCount ?? 0), 0);
  const details = {
    table,
    windows_compared: compared,
    windows_matching: compared - verdicts.length,
    source_count_total: sourceTotal,
    mismatches: verdicts.slice(0, MAX_LISTED),
    mismatches_total: verdicts.length,
  };
  if (verdicts.length === 0) {
    return { check: SOURCE_COUNT_CHECK, severity: 'ok', details,
      message: `All ${compared} loaded windows hold exactly QBO's COUNT(*) (${sourceTotal} records in total).` };
  }
  const first = verdicts.find((v) => v.severity === severity) ?? verdicts[0];
  const failures = verdicts.filter((v) => v.severity === 'failure').length;
  const head = `${verdicts.length} of ${compared} windows differ from QBO's COUNT(*)` +
    (failures > 0 ? ` (${failures} unexplained)` : ' (all explained)');
  return {
    check: SOURCE_COUNT_CHECK,
    severity,
    details,
    message: `${head}; e.g. chunk ${first.chunk} [${first.window[0]}, ${first.window[1]}): QBO ${first.source_count ?? 'not counted'}, ` +
      `stored ${first.stored} — ${first.explanation}.`,
  };
}
