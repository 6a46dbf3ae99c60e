/**
 * Reads a spool file back (the exporter's input). Rows stream one at a time; the header is checked first and
 * the footer last: a file without its footer, with a row count that does not match, or with a malformed line
 * raises a DataError (after the rows before it were yielded, so load them in a transaction).
 */
import { createReadStream, promises as fs } from 'node:fs';
import { createInterface } from 'node:readline';
import { DataError } from '../core/errors';
import { recordLineHead, SPOOL_FORMAT, type SpoolFooter, type SpoolHeader, type SpooledRow } from './types';

/** A spool file that cannot be read as written: says what is wrong and to re-extract the chunk. */
export function spoolError(path: string, what: string, code = 'SPOOL_CORRUPT'): DataError {
  return new DataError(`Spool file ${path} ${what}; re-extract the chunk (re-run with force=true for that window).`, { code, context: { path } });
}

function parseLine(path: string, line: string, lineNo: number): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw spoolError(path, `has a malformed line ${lineNo}`);
}

function checkHeader(path: string, value: Record<string, unknown> | undefined): SpoolHeader {
  if (value?.spool !== SPOOL_FORMAT) throw spoolError(path, `does not start with a ${SPOOL_FORMAT} header`);
  return value as unknown as SpoolHeader;
}

/**
 * A row as read, with the JSON text of its record and request as they stand in the line, so the exporter loads the
 * record without serialising it again. The writer starts every line with recordLineHead (types.ts), so the record's
 * text is what follows it, up to the line's closing `}`; the record's text is only given when that checks out.
 */
export interface ReadRow extends SpooledRow {
  readonly recordText?: string;
  readonly requestText?: string;
}

function withTexts(row: SpooledRow, line: string): ReadRow {
  const requestText = JSON.stringify(row.request_payload);
  const head = recordLineHead(row.page_number, row.page_size, requestText);
  if (!line.startsWith(head) || !line.endsWith('}')) return { ...row, requestText };
  return { ...row, requestText, recordText: line.slice(head.length, -1) };
}

function checkRow(path: string, value: Record<string, unknown>, lineNo: number): SpooledRow {
  const record = value.record as Record<string, unknown> | undefined;
  const ok =
    Number.isInteger(value.page_number) &&
    Number.isInteger(value.page_size) &&
    typeof value.request_payload === 'object' &&
    value.request_payload !== null &&
    typeof record?.Id === 'string';
  if (!ok) throw spoolError(path, `has an invalid record line ${lineNo}`);
  return value as unknown as SpooledRow;
}

async function* lines(path: string): AsyncGenerator<string> {
  const stream = createReadStream(path, 'utf8');
  try {
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) if (line !== '') yield line;
  } finally {
    stream.destroy();
  }
}

/** The rows of a complete spool file, in file order. */
export async function* readSpool(path: string): AsyncGenerator<ReadRow> {
  let lineNo = 0;
  let rows = 0;
  let footer: SpoolFooter | undefined;
  for await (const line of lines(path)) {
    lineNo += 1;
    const value = parseLine(path, line, lineNo);
    if (lineNo === 1) {
      checkHeader(path, value);
      continue;
    }
    if (footer) throw spoolError(path, 'has lines after its footer');
    if (value.end === true) {
      footer = value as unknown as SpoolFooter;
      continue;
    }
    rows += 1;
    yield withTexts(checkRow(path, value, lineNo), line);
  }
  if (lineNo === 0) throw spoolError(path, 'is empty');
  if (!footer) throw spoolError(path, 'is incomplete (no footer)', 'SPOOL_INCOMPLETE');
  if (footer.rows !== rows) throw spoolError(path, `declares ${footer.rows} rows but holds ${rows}`);
}

export async function readSpoolHeader(path: string): Promise<SpoolHeader> {
  for await (const line of lines(path)) return checkHeader(path, parseLine(path, line, 1));
  throw spoolError(path, 'is empty');
}

const TAIL_BYTES = 4096;

/** The footer of a complete spool file, or undefined when the file is missing or has no footer. */
export async function readSpoolFooter(path: string): Promise<SpoolFooter | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const last = buffer.toString('utf8').trimEnd().split('\n').pop() ?? '';
    try {
      const value = JSON.parse(last) as Record<string, unknown>;
      return value.end === true && Number.isInteger(value.rows) ? (value as unknown as SpoolFooter) : undefined;
    } catch {
      return undefined;
    }
  } finally {
    await handle.close();
  }
}
