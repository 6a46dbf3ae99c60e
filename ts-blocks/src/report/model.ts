/**
 * The report of one run, built from the database only (ledger, raw table, latest validation pass), so it can be
 * regenerated at any time (`qbo-backfill report`). Every renderer (Markdown, JSON, HTML, text table) reads this.
 */
import type { Pool } from 'pg';
import type { Entity } from '../core/events';
import { sanitizeValue } from '../core/sanitize';
import type { DateField } from '../core/types';
import { dailyVolume, type DayCount } from '../validate/daily-volume';
import { latestResults, type StoredResult } from '../validate/results-store';
import { dbFailure, loadRunInfo, rawTable } from '../validate/run-info';
import type { RunChunk, RunInfo } from '../validate/types';

export const REPORT_FORMAT = 'qbo-backfill-report/1';

export interface ChunkReportRow {
  readonly chunk: number;
  readonly window_start_utc: string;
  readonly window_end_utc: string;
  readonly status: string;
  readonly pages: number;
  /** QBO COUNT(*) for the window at extraction (null: not captured). */
  readonly source_count: number | null;
  readonly rows_read: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly skipped: number;
  /** Rows of the window marked deleted by this run (QBO confirmed them gone); absent in older report files. */
  readonly deleted?: number;
  readonly api_calls: number;
  /** The pass that read this chunk with its neighbours: its API calls, retries and 429s are on its first chunk. */
  readonly read_pass: { readonly first_chunk: number; readonly last_chunk: number; readonly pages: number } | null;
  readonly retries: number;
  readonly throttled: number;
  readonly attempts: number;
  readonly extract_ms: number;
  readonly load_ms: number;
  readonly duration_ms: number;
}

export interface ReportTotals {
  readonly chunks: number;
  readonly chunks_loaded: number;
  /** Pages requested: a pass's once (the chunks' `pages` count a page spanning two windows for both). */
  readonly pages: number;
  readonly source_count: number;
  readonly rows_read: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly skipped: number;
  /** Rows marked deleted by this run (QBO confirmed them gone); absent in reports written before it was counted. */
  readonly deleted?: number;
  readonly api_calls: number;
  readonly retries: number;
  readonly throttled: number;
  readonly extract_ms: number;
  readonly load_ms: number;
  /** Wall-clock time of the run (started → finished), when finished. */
  readonly wall_ms: number | null;
  /** Rows of the raw table whose date field lies in the run's range (whatever run wrote them). */
  readonly rows_in_range: number;
  readonly rows_in_table: number;
}

export interface RunReport {
  readonly format: typeof REPORT_FORMAT;
  readonly generated_at_utc: string;
  readonly run: {
    readonly run_id: string;
    readonly entity: Entity;
    readonly table: string;
    readonly realm_id: string;
    readonly date_field: DateField;
    readonly range_start_utc: string;
    readonly range_end_utc: string;
    readonly chunk_days: number;
    readonly page_size: number;
    readonly status: string;
    readonly origin: string;
    readonly origin_ref: string | null;
    readonly started_at_utc: string;
    readonly finished_at_utc: string | null;
  };
  readonly totals: ReportTotals;
  readonly chunks: readonly ChunkReportRow[];
  readonly days: readonly DayCount[];
  readonly validation: {
    readonly checked_at_utc: string | null;
    readonly counts: { readonly ok: number; readonly warning: number; readonly failure: number };
    readonly results: readonly StoredResult[];
  };
}

function chunkRow(c: RunChunk): ChunkReportRow {
  return {
    chunk: c.index,
    window_start_utc: c.windowStart.toISOString(),
    window_end_utc: c.windowEnd.toISOString(),
    status: c.status,
    pages: c.pagesRead,
    source_count: c.sourceCount,
    rows_read: c.rowsRead,
    inserted: c.rowsInserted,
    updated: c.rowsUpdated,
    unchanged: c.rowsUnchanged,
    skipped: c.rowsSkipped,
    deleted: c.rowsDeleted ?? 0,
    api_calls: c.apiCalls,
    read_pass: c.readPass && { first_chunk: c.readPass.first, last_chunk: c.readPass.last, pages: c.readPass.pages },
    retries: c.retries,
    throttled: c.throttled,
    attempts: c.attempts,
    extract_ms: c.extractMs,
    load_ms: c.loadMs,
    duration_ms: c.extractMs + c.loadMs,
  };
}

const sum = (rows: readonly ChunkReportRow[], key: keyof ChunkReportRow) => rows.reduce((n, r) => n + Number(r[key] ?? 0), 0);

/** Pages requested: a pass's once, on its first window (a window's pages count a page spanning two windows for both). */
function pagesRequested(rows: readonly ChunkReportRow[]): number {
  return rows.reduce((n, r) => n + (r.read_pass === null ? r.pages : r.chunk === r.read_pass.first_chunk ? r.read_pass.pages : 0), 0);
}

function totals(run: RunInfo, rows: readonly ChunkReportRow[], days: readonly DayCount[], rowsInTable: number): ReportTotals {
  return {
    chunks: rows.length,
    chunks_loaded: rows.filter((r) => r.status === 'loaded').length,
    pages: pagesRequested(rows),
    source_count: sum(rows, 'source_count'),
    rows_read: sum(rows, 'rows_read'),
    inserted: sum(rows, 'inserted'),
    updated: sum(rows, 'updated'),
    unchanged: sum(rows, 'unchanged'),
    skipped: sum(rows, 'skipped'),
    deleted: sum(rows, 'deleted'),
    api_calls: sum(rows, 'api_calls'),
    retries: sum(rows, 'retries'),
    throttled: sum(rows, 'throttled'),
    extract_ms: sum(rows, 'extract_ms'),
    load_ms: sum(rows, 'load_ms'),
    wall_ms: run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
    rows_in_range: days.reduce((n, d) => n + d.count, 0),
    rows_in_table: rowsInTable,
  };
}

/**
 * `days`: the run's records per day if the caller has just counted them (the validator's volumetry check did, on the
 * same rows); `tableRows`: the raw table's rows, likewise (the validator's primary_key check); otherwise each is
 * counted here.
 */
export async function buildRunReport(
  pool: Pool, runId: string, now: () => Date = () => new Date(), known: { readonly days?: readonly DayCount[]; readonly tableRows?: number } = {},
): Promise<RunReport> {
  const run = await loadRunInfo(pool, runId);
  const table = rawTable(run.entity);
  const days = known.days ?? (await dailyVolume(pool, run));
  let rowsInTable = known.tableRows;
  try {
    rowsInTable ??= Number((await pool.query(`SELECT count(*)::bigint AS n FROM ${table}`)).rows[0].n);
  } catch (e) {
    throw dbFailure(e, `counting the rows of ${table}`);
  }
  const results = await latestResults(pool, run.runId);
  const chunks = run.chunks.map(chunkRow);
  const report: RunReport = {
    format: REPORT_FORMAT,
    generated_at_utc: now().toISOString(),
    run: {
      run_id: run.runId, entity: run.entity, table, realm_id: run.realmId, date_field: run.dateField,
      range_start_utc: run.rangeStart.toISOString(), range_end_utc: run.rangeEnd.toISOString(),
      chunk_days: run.chunkDays, page_size: run.pageSize, status: run.status, origin: run.origin, origin_ref: run.originRef,
      started_at_utc: run.startedAt.toISOString(), finished_at_utc: run.finishedAt ? run.finishedAt.toISOString() : null,
    },
    totals: totals(run, chunks, days, rowsInTable),
    chunks,
    days,
    validation: {
      checked_at_utc: results[0]?.checked_at_utc ?? null,
      counts: {
        ok: results.filter((r) => r.severity === 'ok').length,
        warning: results.filter((r) => r.severity === 'warning').length,
        failure: results.filter((r) => r.severity === 'failure').length,
      },
      results,
    },
  };
  // Nothing in a report may carry a credential (an error message in a detail, a URL with a password…).
  return sanitizeValue(report);
}
