/**
 * The run summary as plain-text lines: a headline, the per-chunk table, the totals row and the validation
 * results. The validator block logs it line by line (Mage shows it in the block log); `summary.txt` holds it.
 */
import { formatCount } from '../core/count-format';
import { formatDuration, renderTable } from '../core/table';
import type { ChunkReportRow, RunReport } from './model';

const MESSAGE_WIDTH = 140;

export const SEVERITY_LABEL = { ok: 'OK', warning: 'WARNING', failure: 'FAILURE' } as const;

function windowText(start: string, end: string): string {
  const short = (iso: string) => iso.replace(':00.000Z', 'Z').replace('T00:00Z', '');
  return `${short(start)} → ${short(end)}`;
}

/**
 * A chunk's API calls: its own, or for chunks read together by one pass, the pass's on its first chunk
 * ("13 (pass 0-7)") and where they are on the others ("in pass 0-7"), never a misleading 0.
 */
export function apiCallsText(c: ChunkReportRow, format: (n: number) => string = String): string {
  const pass = c.read_pass;
  if (pass === null) return format(c.api_calls);
  const span = `pass ${pass.first_chunk}-${pass.last_chunk}`;
  return c.chunk === pass.first_chunk ? `${format(c.api_calls)} (${span})` : `in ${span}`;
}

/** Said under a chunk table whose API calls are those of passes (readInPasses). */
export const PASS_NOTE = 'Windows read together by one pass share its API calls, retries and 429s, counted on its first window.';

/** Whether some chunk of the run was read together with its neighbours: its chunk table then carries PASS_NOTE. */
export function readInPasses(r: RunReport): boolean {
  return r.chunks.some((c) => c.read_pass !== null);
}

function chunkCells(c: ChunkReportRow): Array<string | number> {
  return [
    c.chunk, windowText(c.window_start_utc, c.window_end_utc), c.status, c.pages, c.source_count ?? '-', c.rows_read,
    c.inserted, c.updated, c.unchanged, c.skipped, apiCallsText(c), c.retries, c.throttled, formatDuration(c.duration_ms),
  ];
}

export function headline(r: RunReport): string {
  const t = r.totals;
  const v = r.validation.counts;
  const n = (x: number) => formatCount(x);
  const validation = r.validation.checked_at_utc
    ? `validation ${v.ok} ok, ${v.warning} warning(s), ${v.failure} failure(s)`
    : 'not validated yet';
  return `${r.run.entity} run ${r.run.run_id} (${r.run.status}): ${t.chunks_loaded}/${t.chunks} chunks loaded, ` +
    `${n(t.rows_read)} read, ${n(t.inserted)} inserted, ${n(t.updated)} updated, ${n(t.unchanged)} unchanged, ${n(t.skipped)} skipped; ` +
    `${n(t.api_calls)} API calls, ${n(t.retries)} retries, ${n(t.throttled)} 429s; ${validation}`;
}

export function chunkTable(r: RunReport): string[] {
  const t = r.totals;
  const rows = [
    ...r.chunks.map(chunkCells),
    ['total', `${r.run.range_start_utc.slice(0, 10)} → ${r.run.range_end_utc.slice(0, 10)}`, `${t.chunks_loaded}/${t.chunks}`, t.pages,
      t.source_count, t.rows_read, t.inserted, t.updated, t.unchanged, t.skipped, t.api_calls, t.retries, t.throttled,
      formatDuration(t.extract_ms + t.load_ms)],
  ];
  return renderTable(
    ['chunk', 'window (UTC, [start, end))', 'status', 'pages', 'QBO count', 'read', 'inserted', 'updated', 'unchanged', 'skipped', 'API calls', 'retries', '429s', 'duration'],
    rows,
  ).split('\n').concat(readInPasses(r) ? [PASS_NOTE] : []);
}

export function validationTable(r: RunReport): string[] {
  if (r.validation.results.length === 0) return ['(no validation results stored for this run)'];
  const clip = (m: string) => (m.length > MESSAGE_WIDTH ? `${m.slice(0, MESSAGE_WIDTH - 1)}…` : m);
  return renderTable(
    ['check', 'result', 'message'],
    r.validation.results.map((v) => [v.check, SEVERITY_LABEL[v.severity], clip(v.message)]),
  ).split('\n');
}

/** Every line of the text summary. */
export function summaryLines(r: RunReport): string[] {
  return [headline(r), '', ...chunkTable(r), '', ...validationTable(r)];
}
