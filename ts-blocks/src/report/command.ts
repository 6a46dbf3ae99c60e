/**
 * The `qbo-backfill report [--run <id> | --latest] [--entity <e>]` work: regenerate the report files of one run,
 * or of the latest run of each entity, from the database alone. The CLI decides how to show the outcome.
 */
import type { Pool } from 'pg';
import { ConfigError } from '../core/errors';
import type { Entity } from '../core/events';
import type { DayCount } from '../validate/daily-volume';
import { latestRunIds } from '../validate/run-info';
import { buildRunReport, type RunReport } from './model';
import { summaryLines } from './summary-table';
import { writeReports, type ReportPaths, type WriteReportsOptions } from './write';

export interface ReportSelection {
  /** One run by id; otherwise the latest run of each entity (or of `entity`). */
  readonly runId?: string;
  readonly entity?: Entity;
}

export interface ReportOutcome {
  readonly report: RunReport;
  readonly paths: ReportPaths;
  /** The plain-text summary (headline, chunk table, validation table). */
  readonly lines: readonly string[];
}

/** Builds and writes the report of one run. */
export async function reportRun(
  pool: Pool, runId: string, options: WriteReportsOptions & { now?: () => Date; days?: readonly DayCount[]; tableRows?: number } = {},
): Promise<ReportOutcome> {
  const report = await buildRunReport(pool, runId, options.now, { days: options.days, tableRows: options.tableRows });
  return { report, paths: writeReports(report, options), lines: summaryLines(report) };
}

/** The report command: by run id, or the latest run of each entity. */
export async function report(pool: Pool, selection: ReportSelection = {}, options: WriteReportsOptions = {}): Promise<ReportOutcome[]> {
  const ids = selection.runId ? [selection.runId] : await latestRunIds(pool, selection.entity);
  if (ids.length === 0) {
    throw new ConfigError(
      `No backfill run${selection.entity ? ` of ${selection.entity}` : ''} is recorded in this database yet. Run \`qbo-backfill run\` first.`,
      { code: 'REPORT_NO_RUNS' },
    );
  }
  const outcomes: ReportOutcome[] = [];
  for (const id of ids) outcomes.push(await reportRun(pool, id, options));
  return outcomes;
}
