/**
 * Reads a spool file's record lines as the bytes written, without decoding or parsing them: the exporter's fast
 * path hands them to PostgreSQL, which parses and checks them (store/line-staging.ts). The header line is skipped
 * (check it first: pipeline/spool-source.ts), empty lines are ignored, and the last line must be the footer with
 * the number of record lines read; otherwise a DataError (after the lines before it were yielded, so load them in a
 * transaction). A malformed record line is not noticed here: readSpool (reader.ts) names it.
 */
import { createReadStream } from 'node:fs';
import { spoolError } from './reader';

const NEWLINE = 0x0a;
const READ_BYTES = 256 * 1024;

function footerError(path: string, what: string) {
  return spoolError(path, what, 'SPOOL_INCOMPLETE');
}

function checkFooter(path: string, line: Buffer | undefined, rows: number): void {
  let footer: unknown;
  try {
    footer = line === undefined ? undefined : JSON.parse(line.toString('utf8'));
  } catch {
    footer = undefined;
  }
  const f = footer as { end?: unknown; rows?: unknown } | undefined;
  if (f?.end !== true || !Number.isInteger(f.rows)) throw footerError(path, 'is incomplete (no footer)');
  if (f.rows !== rows) throw footerError(path, `declares ${String(f.rows)} rows but holds ${rows}`);
}

/** The record lines of a complete spool file, in file order, each without its newline. */
export async function* readSpoolRecordLines(path: string): AsyncGenerator<Buffer> {
  const stream = createReadStream(path, { highWaterMark: READ_BYTES });
  let carry: Buffer | undefined;
  let pending: Buffer | undefined;
  let seenHeader = false;
  let rows = 0;
  try {
    for await (const block of stream as AsyncIterable<Buffer>) {
      const data: Buffer = carry ? Buffer.concat([carry, block]) : block;
      let start = 0;
      for (let nl = data.indexOf(NEWLINE, start); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
        const line = data.subarray(start, nl);
        start = nl + 1;
        if (line.length === 0) continue;
        if (!seenHeader) {
          seenHeader = true;
          continue;
        }
        if (pending) {
          rows += 1;
          yield pending;
        }
        pending = line;
      }
      // Lines yielded or pending keep referring to `data`; the unfinished tail is copied so `data` can be released.
      carry = start < data.length ? Buffer.from(data.subarray(start)) : undefined;
    }
  } finally {
    stream.destroy();
  }
  if (carry && carry.length > 0) {
    if (!seenHeader) seenHeader = true;
    else {
      if (pending) {
        rows += 1;
        yield pending;
      }
      pending = carry;
    }
  }
  checkFooter(path, pending, rows);
}
