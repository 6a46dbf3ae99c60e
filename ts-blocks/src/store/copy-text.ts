/**
 * PostgreSQL COPY text format (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2): columns
 * separated by tabs, rows by newlines; backslash, tab, newline and carriage return inside a value are escaped.
 * Rows are batched into ~64 KiB strings so the COPY stream moves few large writes (with backpressure).
 */
import type { StagingRow } from './staging-row';

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

const NEEDS_ESCAPE = /[\\\t\n\r]/;

export function copyEscape(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] ?? c) : value;
}

/** Column order of the staging table (see merge.ts). */
export const STAGING_COLUMNS = [
  'ord',
  'chunk_index',
  'id',
  'payload',
  'source_last_updated_utc',
  'source_sync_token',
  'page_number',
  'page_size',
  'request_payload',
  'payload_sha256_override',
  'payload_repaired',
] as const;

/** COPY text's NULL. */
const NULL = '\\N';

export function copyLine(ord: number, r: StagingRow): string {
  const values = [
    String(ord),
    String(r.chunkIndex),
    r.id,
    r.payload,
    r.lastUpdatedTime,
    r.syncToken,
    String(r.pageNumber),
    String(r.pageSize),
    r.requestPayload,
  ];
  const repaired = r.repaired ? [copyEscape(r.repaired.originalSha256), 't'] : [NULL, 'f'];
  return `${[...values.map(copyEscape), ...repaired].join('\t')}\n`;
}

const BATCH_BYTES = 64 * 1024;

/** Encodes staging rows as COPY text, in batches; `onRow` sees every row (for counting). */
export async function* copyText(rows: AsyncIterable<StagingRow>, onRow: () => void = () => undefined): AsyncGenerator<string> {
  let batch = '';
  let ord = 0;
  for await (const row of rows) {
    batch += copyLine(ord++, row);
    onRow();
    if (batch.length >= BATCH_BYTES) {
      yield batch;
      batch = '';
    }
  }
  if (batch) yield batch;
}
