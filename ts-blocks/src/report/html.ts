/**
 * The self-contained HTML report: one file, no network (Chart.js inlined, data embedded, a CSP that forbids any
 * fetch), readable offline and in a screenshot: headline cards, validation results, a per-chunk chart, a per-day
 * chart with empty days and outliers highlighted, and the per-chunk table.
 */
import { formatCount } from '../core/count-format';
import { formatDuration } from '../core/table';
import { chartJsSource, DRAW_SCRIPT } from './chart-script';
import { REPORT_CSS } from './html-style';
import type { RunReport } from './model';
import { apiCallsText, PASS_NOTE, readInPasses, SEVERITY_LABEL } from './summary-table';

export function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}

/** JSON for a <script type="application/json"> element: no `<` can close it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const n = (v: number | null) => (v === null ? '—' : formatCount(v));

const FLAG_SOURCES: ReadonlyArray<[string, string, 'empty' | 'outlier']> = [
  ['volumetry_empty_days', 'empty_days', 'empty'],
  ['volumetry_outliers', 'outliers', 'outlier'],
];

/** Days the volumetry checks flagged, from their stored details. */
function flaggedDays(r: RunReport): Map<string, 'empty' | 'outlier'> {
  const flags = new Map<string, 'empty' | 'outlier'>();
  for (const [check, key, kind] of FLAG_SOURCES) {
    const list = r.validation.results.find((v) => v.check === check)?.details[key];
    if (!Array.isArray(list)) continue;
    for (const d of list as Array<{ day?: unknown }>) if (typeof d.day === 'string') flags.set(d.day, kind);
  }
  return flags;
}

export function chartData(r: RunReport): Record<string, unknown> {
  const flags = flaggedDays(r);
  return {
    chunks: {
      labels: r.chunks.map((c) => String(c.chunk)),
      windows: r.chunks.map((c) => `[${c.window_start_utc}, ${c.window_end_utc})`),
      source: r.chunks.map((c) => c.source_count),
      inserted: r.chunks.map((c) => c.inserted),
      updated: r.chunks.map((c) => c.updated),
      unchanged: r.chunks.map((c) => c.unchanged),
      skipped: r.chunks.map((c) => c.skipped),
    },
    days: {
      field: r.run.date_field === 'txn_date' ? 'TxnDate' : 'LastUpdatedTime (UTC)',
      labels: r.days.map((d) => d.day),
      counts: r.days.map((d) => d.count),
      partial: r.days.map((d) => d.partial),
      flags: r.days.map((d) => flags.get(d.day) ?? null),
    },
  };
}

function card(label: string, value: string, cls = ''): string {
  return `<div class="card ${cls}"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div></div>`;
}

function cards(r: RunReport): string {
  const t = r.totals;
  const v = r.validation.counts;
  const verdict = !r.validation.checked_at_utc ? ['not validated', 'warn'] : v.failure > 0 ? ['failed', 'bad'] : v.warning > 0 ? ['passed with warnings', 'warn'] : ['passed', 'good'];
  return `<section class="cards">
    ${card('run status', r.run.status, r.run.status === 'succeeded' ? 'good' : r.run.status === 'failed' ? 'bad' : '')}
    ${card('validation', `${verdict[0]} (${v.ok}/${v.warning}/${v.failure})`, verdict[1])}
    ${card('chunks loaded', `${t.chunks_loaded} / ${t.chunks}`)}
    ${card('rows read', n(t.rows_read))}
    ${card('inserted / updated', `${n(t.inserted)} / ${n(t.updated)}`)}
    ${card('unchanged / skipped', `${n(t.unchanged)} / ${n(t.skipped)}`)}
    ${card('marked deleted', n(t.deleted ?? 0))}
    ${card('QBO count', n(t.source_count))}
    ${card('API calls / retries / 429s', `${n(t.api_calls)} / ${n(t.retries)} / ${n(t.throttled)}`)}
    ${card('duration', t.wall_ms === null ? formatDuration(t.extract_ms + t.load_ms) : formatDuration(t.wall_ms))}
  </section>`;
}

function validationTable(r: RunReport): string {
  if (r.validation.results.length === 0) return '<p>No validation results are stored for this run.</p>';
  const rows = r.validation.results.map((v) =>
    `<tr><td><code>${escapeHtml(v.check)}</code></td><td><span class="badge ${v.severity}">${SEVERITY_LABEL[v.severity]}</span></td><td>${escapeHtml(v.message)}</td></tr>`);
  return `<table class="validations"><thead><tr><th>check</th><th>result</th><th>finding</th></tr></thead><tbody>${rows.join('')}</tbody></table>
    <p class="muted">Checked ${escapeHtml(r.validation.checked_at_utc)}. Details: <code>report.json</code> or <code>ops.validation_results</code>.</p>`;
}

function chunkTable(r: RunReport): string {
  const head = ['#', 'window start (UTC)', 'window end (UTC)', 'status', 'pages', 'QBO count', 'read', 'inserted', 'updated', 'unchanged', 'skipped', 'API calls', 'retries', '429s', 'duration'];
  const rows = r.chunks.map((c) => {
    const cells = [c.chunk, c.window_start_utc, c.window_end_utc, c.status, n(c.pages), n(c.source_count), n(c.rows_read), n(c.inserted), n(c.updated),
      n(c.unchanged), n(c.skipped), apiCallsText(c, n), n(c.retries), n(c.throttled), formatDuration(c.duration_ms)];
    return `<tr class="${c.status === 'loaded' ? '' : 'notloaded'}">${cells.map((x) => `<td>${escapeHtml(x)}</td>`).join('')}</tr>`;
  });
  const note = readInPasses(r) ? `<p class="muted">${escapeHtml(PASS_NOTE)}</p>` : '';
  return `<table class="chunks"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>${note}`;
}

export function renderHtml(r: RunReport): string {
  const run = r.run;
  const title = `Backfill report — ${run.entity} — run ${run.run_id}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body data-ready="false">
<header>
  <h1>Backfill report — <span class="entity">${escapeHtml(run.entity)}</span></h1>
  <p>Run <code>${escapeHtml(run.run_id)}</code> · ${escapeHtml(run.origin)}${run.origin_ref ? ` (${escapeHtml(run.origin_ref)})` : ''} ·
     <code>${escapeHtml(run.date_field)}</code> in [${escapeHtml(run.range_start_utc)}, ${escapeHtml(run.range_end_utc)}) UTC ·
     ${escapeHtml(run.chunk_days)}-day chunks · page size ${escapeHtml(run.page_size)} · realm ${escapeHtml(run.realm_id)} → <code>${escapeHtml(run.table)}</code></p>
  <p class="muted">Started ${escapeHtml(run.started_at_utc)}${run.finished_at_utc ? `, finished ${escapeHtml(run.finished_at_utc)}` : ''} · generated ${escapeHtml(r.generated_at_utc)}</p>
</header>
${cards(r)}
<section><h2>Validations</h2>${validationTable(r)}</section>
<section class="chart"><h2>Volume per chunk</h2><div class="canvas-box"><canvas id="chunk-chart" role="img" aria-label="Rows per chunk"></canvas></div></section>
<section class="chart"><h2>Volume per day</h2><div class="canvas-box"><canvas id="day-chart" role="img" aria-label="Records per day"></canvas></div></section>
<section><h2>Chunks</h2>${chunkTable(r)}</section>
<script type="application/json" id="report-data">${scriptJson(chartData(r))}</script>
<script>${chartJsSource()}</script>
<script>${DRAW_SCRIPT}</script>
</body>
</html>
`;
}
