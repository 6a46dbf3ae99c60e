/**
 * The Markdown report: what a reviewer reads on GitHub. Every claim comes with the SQL that re-checks it.
 */
import { formatCount } from '../core/count-format';
import { formatDuration } from '../core/table';
import type { RunReport } from './model';
import { apiCallsText, PASS_NOTE, readInPasses, SEVERITY_LABEL } from './summary-table';

const ICON = { ok: '✅', warning: '⚠️', failure: '❌' } as const;

/** Escapes text for a Markdown table cell. */
export function cell(text: unknown): string {
  return String(text ?? '')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/\r?\n/g, ' ');
}

function table(headers: string[], rows: Array<Array<unknown>>, align?: string[]): string[] {
  return [
    `| ${headers.join(' | ')} |`,
    `| ${(align ?? headers.map(() => '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

const n = (v: number | null) => (v === null ? '—' : formatCount(v));

function header(r: RunReport): string[] {
  const run = r.run;
  const v = r.validation;
  const verdict = v.checked_at_utc
    ? `${v.counts.failure > 0 ? ICON.failure : v.counts.warning > 0 ? ICON.warning : ICON.ok} ${v.counts.ok} ok · ${v.counts.warning} warning(s) · ${v.counts.failure} failure(s) (checked ${v.checked_at_utc})`
    : 'not validated yet (run the validator, or `qbo-backfill run` again)';
  return [
    `# Backfill report — ${run.entity}`,
    '',
    `- **Run** \`${run.run_id}\` — status **${run.status}** (${run.origin}${run.origin_ref ? `: ${run.origin_ref}` : ''})`,
    `- **Range** \`${run.date_field}\` in [${run.range_start_utc}, ${run.range_end_utc}) UTC, ${run.chunk_days}-day chunks, page size ${run.page_size}`,
    `- **Realm** ${run.realm_id} → \`${run.table}\``,
    `- **Started** ${run.started_at_utc}${run.finished_at_utc ? `, finished ${run.finished_at_utc}` : ''}${r.totals.wall_ms === null ? '' : ` (${formatDuration(r.totals.wall_ms)})`}`,
    `- **Validation** ${verdict}`,
    `- Generated ${r.generated_at_utc}. Also: \`report.json\` (same data), \`report.html\` (charts).`,
  ];
}

function totals(r: RunReport): string[] {
  const t = r.totals;
  return [
    '## Totals',
    '',
    ...table(['chunks loaded', 'pages', 'QBO count', 'read', 'inserted', 'updated', 'unchanged', 'skipped', 'deleted', 'API calls', 'retries', '429s', 'extract', 'load', 'rows in range', 'rows in table'],
      [[`${t.chunks_loaded}/${t.chunks}`, n(t.pages), n(t.source_count), n(t.rows_read), n(t.inserted), n(t.updated), n(t.unchanged), n(t.skipped), n(t.deleted ?? 0),
        n(t.api_calls), n(t.retries), n(t.throttled), formatDuration(t.extract_ms), formatDuration(t.load_ms), n(t.rows_in_range), n(t.rows_in_table)]]),
  ];
}

function validations(r: RunReport): string[] {
  if (r.validation.results.length === 0) return ['## Validations', '', 'No validation results are stored for this run.'];
  return [
    '## Validations',
    '',
    ...table(['check', 'result', 'finding'], r.validation.results.map((v) => [`\`${v.check}\``, `${ICON[v.severity]} ${SEVERITY_LABEL[v.severity]}`, v.message])),
    '',
    'Details of each result: `report.json` → `validation.results[].details`, or `ops.validation_results`.',
  ];
}

function chunks(r: RunReport): string[] {
  return [
    '## Chunks',
    '',
    ...table(
      ['#', 'window start (UTC)', 'window end (UTC)', 'status', 'pages', 'QBO count', 'read', 'inserted', 'updated', 'unchanged', 'skipped', 'API calls', 'retries', '429s', 'duration'],
      r.chunks.map((c) => [c.chunk, c.window_start_utc, c.window_end_utc, c.status, n(c.pages), n(c.source_count), n(c.rows_read), n(c.inserted),
        n(c.updated), n(c.unchanged), n(c.skipped), apiCallsText(c, n), n(c.retries), n(c.throttled), formatDuration(c.duration_ms)]),
      ['--:', '---', '---', '---', ...Array(11).fill('--:')],
    ),
    ...(readInPasses(r) ? ['', PASS_NOTE] : []),
  ];
}

function volume(r: RunReport): string[] {
  const withData = r.days.filter((d) => d.count > 0);
  // Days are YYYY-MM-DD: their code-unit order is the calendar's (localeCompare's collation cost ~10 ms per report).
  const busiest = [...r.days].sort((a, b) => b.count - a.count || (a.day < b.day ? -1 : a.day > b.day ? 1 : 0)).slice(0, 5);
  const field = r.run.date_field === 'txn_date' ? 'TxnDate' : 'source_last_updated_utc';
  return [
    '## Volume per day',
    '',
    `${r.days.length} UTC days in range, ${withData.length} with data, ${n(r.totals.rows_in_range)} rows by \`${field}\`. ` +
      `Busiest: ${busiest.map((d) => `${d.day} (${d.count})`).join(', ') || '—'}. Empty days and outliers: see the validations above; chart in \`report.html\`.`,
  ];
}

function verification(r: RunReport): string[] {
  const t = r.run.table;
  const txn = r.run.date_field === 'txn_date';
  const dv = txn ? `((payload->>'TxnDate')::date::timestamp AT TIME ZONE 'UTC')` : 'source_last_updated_utc';
  const day = txn ? `(payload->>'TxnDate')::date` : `(source_last_updated_utc AT TIME ZONE 'UTC')::date`;
  return [
    '## Verify it yourself',
    '',
    '```sql',
    `-- ids: none null, none duplicated`,
    `SELECT count(*) AS rows, count(DISTINCT id) AS ids, count(*) FILTER (WHERE id IS NULL) AS null_ids FROM ${t};`,
    `-- rows per window of this run vs QBO's COUNT(*) at extraction`,
    `SELECT c.chunk_index, c.window_start_utc, c.window_end_utc, c.source_count,`,
    `       (SELECT count(*) FROM ${t} t WHERE ${dv} >= c.window_start_utc AND ${dv} < c.window_end_utc) AS stored`,
    `  FROM ops.backfill_chunks c WHERE c.run_id = '${r.run.run_id}' ORDER BY 1;`,
    `-- rows per UTC day`,
    `SELECT ${day} AS day, count(*) FROM ${t} GROUP BY 1 ORDER BY 1;`,
    `-- every row inside its window`,
    `SELECT count(*) FROM ${t} WHERE date_field = 'last_updated'`,
    `   AND NOT (source_last_updated_utc >= extract_window_start_utc AND source_last_updated_utc < extract_window_end_utc);`,
    `-- the validation results of this run`,
    `SELECT check_name, severity, message FROM ops.validation_results WHERE run_id = '${r.run.run_id}' ORDER BY id;`,
    '```',
  ];
}

export function renderMarkdown(r: RunReport): string {
  return [...header(r), '', ...totals(r), '', ...validations(r), '', ...chunks(r), '', ...volume(r), '', ...verification(r), ''].join('\n');
}
