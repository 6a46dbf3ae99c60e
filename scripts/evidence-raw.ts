/**
 * A rendered page of one raw table, straight from PostgreSQL: its columns (type, null, default, comment), its
 * constraints, its row count, and sample rows with the ingestion metadata. The SQL run is printed on the page.
 */
import type { Pool } from 'pg';
import type { Entity } from '../ts-blocks/src/core/events';
import { escapeHtml } from '../ts-blocks/src/report/html';

const COLUMNS_SQL = `SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
       pg_get_expr(d.adbin, d.adrelid) AS default, col_description(a.attrelid, a.attnum) AS comment
  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`;
const CONSTRAINTS_SQL = `SELECT conname AS name, pg_get_constraintdef(oid) AS definition
  FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY contype DESC, conname`;
const SAMPLE_SQL = (table: string) => `SELECT id, realm_id, source_last_updated_utc, source_sync_token, ingested_at_utc,
       extract_window_start_utc, extract_window_end_utc, date_field, page_number, page_size,
       left(payload_sha256, 12) || '…' AS payload_sha256, left(request_payload ->> 'query', 60) || '…' AS request_query,
       left(run_id::text, 8) AS run_id, left(payload::text, 60) || '…' AS payload
  FROM ${table} ORDER BY md5(id) LIMIT 10  -- a spread sample, the same at every run`;
const SUMMARY_SQL = (table: string) => `SELECT count(*) AS rows, count(DISTINCT id) AS distinct_ids,
       min(source_last_updated_utc) AS first_updated, max(source_last_updated_utc) AS last_updated,
       count(DISTINCT run_id) AS runs, max(ingested_at_utc) AS last_ingested FROM ${table}`;

type Row = Record<string, unknown>;

function cell(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (v === null || v === undefined) return '∅';
  return String(v);
}

function table(rows: Row[]): string {
  if (rows.length === 0) return '<p>(no rows)</p>';
  const heads = Object.keys(rows[0]);
  const body = rows.map((r) => `<tr>${heads.map((h) => `<td>${escapeHtml(cell(r[h]))}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${heads.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}

const CSS = `body{font:13px/1.4 system-ui,sans-serif;margin:20px 28px;color:#111827}h1{font-size:22px;margin:0 0 4px}
h2{font-size:15px;margin:22px 0 6px}pre{background:#f3f4f6;padding:8px 10px;border-radius:6px;font-size:11.5px;white-space:pre-wrap}
table{border-collapse:collapse;width:100%;font-size:11.5px}th,td{border:1px solid #e5e7eb;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f9fafb}td{white-space:nowrap}.muted{color:#6b7280}`;

export async function rawTablePage(pool: Pool, entity: Entity, database: string): Promise<string> {
  const name = `raw.qb_${entity}`;
  const summary = (await pool.query(SUMMARY_SQL(name))).rows;
  const columns = (await pool.query(COLUMNS_SQL, [name])).rows;
  const constraints = (await pool.query(CONSTRAINTS_SQL, [name])).rows;
  const sample = (await pool.query(SAMPLE_SQL(name))).rows;
  const section = (title: string, sql: string, rows: Row[]) =>
    `<h2>${escapeHtml(title)}</h2><pre>${escapeHtml(sql.replace('$1::regclass', `'${name}'::regclass`))}</pre>${table(rows)}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(name)}</title><style>${CSS}</style></head><body>
<h1>${escapeHtml(name)}</h1>
<p class="muted">PostgreSQL database <code>${escapeHtml(database)}</code>, queried ${escapeHtml(new Date().toISOString())} after the Mage runs.</p>
${section('Summary', SUMMARY_SQL(name), summary)}
${section('Sample rows with their ingestion metadata (a spread sample)', SAMPLE_SQL(name), sample)}
${section('Columns', COLUMNS_SQL, columns)}
${section('Constraints', CONSTRAINTS_SQL, constraints)}
</body></html>`;
}
