/**
 * The bytes a QBO query answer was parsed from, kept with the parsed object, and each record's own bytes cut out
 * of them, so the spool writes a record as QBO sent it instead of serialising and encoding the parsed object again
 * (the loader's largest CPU cost after parsing). Every cut is checked against the parsed record; whatever does not
 * check out is serialised as before, so this only ever saves work. Byte-level: JSON's structural characters are
 * ASCII, and no byte of a multi-byte UTF-8 character is.
 */
import type { QboRecord } from '../spool/types';

const RAW_BYTES = Symbol('qbo raw JSON bytes');

/**
 * axios transformResponse (with responseType 'arraybuffer'): the body decoded and JSON.parsed, keeping the bytes
 * on a parsed query answer (nothing else: a token answer's bytes carry credentials); a body that is not JSON is
 * returned as text, as axios' own transform does.
 */
export function parseKeepingBytes(data: unknown): unknown {
  const bytes = Buffer.isBuffer(data) ? data : data instanceof ArrayBuffer ? Buffer.from(data) : undefined;
  const text = bytes ? bytes.toString('utf8') : data;
  if (typeof text !== 'string' || text.length === 0) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  if (bytes && typeof parsed === 'object' && parsed !== null && 'QueryResponse' in parsed) {
    Object.defineProperty(parsed, RAW_BYTES, { value: bytes });
  }
  return parsed;
}

/** The bytes `body` was parsed from, if parseKeepingBytes parsed it. */
export function rawBytesOf(body: object): Buffer | undefined {
  const bytes = (body as { [RAW_BYTES]?: unknown })[RAW_BYTES];
  return Buffer.isBuffer(bytes) ? bytes : undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(b: Buffer, i: number): number {
  while (i < b.length && isSpace(b[i]!)) i++;
  return i;
}

/** `i` at an opening quote; the index after the closing one. */
function skipString(b: Buffer, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, j);
    if (q < 0) return b.length;
    let slashes = 0;
    for (let k = q - 1; k > i && b[k] === BACKSLASH; k--) slashes++;
    if (slashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** `i` at the start of a value of valid JSON; the index after it. */
function skipValue(b: Buffer, i: number): number {
  const c = b[i];
  if (c === QUOTE) return skipString(b, i);
  if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
    while (i < b.length) {
      const d = b[i]!;
      if (d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || isSpace(d)) break;
      i++;
    }
    return i;
  }
  let depth = 0;
  while (i < b.length) {
    const d = b[i]!;
    if (d === QUOTE) {
      i = skipString(b, i);
      continue;
    }
    if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
    else if (d === CLOSE_OBJECT || d === CLOSE_ARRAY) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}

/** `i` at '{': where the value of member `key` starts, or undefined (no such member, or not an object). */
function findMember(b: Buffer, i: number, key: string): number | undefined {
  if (b[i] !== OPEN_OBJECT) return undefined;
  i = skipSpace(b, i + 1);
  const wanted = Buffer.from(JSON.stringify(key));
  while (i < b.length && b[i] === QUOTE) {
    const end = skipString(b, i);
    const name = b.subarray(i, end);
    i = skipSpace(b, end);
    if (b[i] !== COLON) return undefined;
    i = skipSpace(b, i + 1);
    if (name.equals(wanted) || (name.includes(BACKSLASH) && JSON.parse(name.toString('utf8')) === key)) return i;
    i = skipSpace(b, skipValue(b, i));
    if (b[i] !== COMMA) return undefined;
    i = skipSpace(b, i + 1);
  }
  return undefined;
}

/** The bytes of the elements of the array starting at `i`. */
function elements(b: Buffer, i: number): Buffer[] | undefined {
  if (b[i] !== OPEN_ARRAY) return undefined;
  const out: Buffer[] = [];
  i = skipSpace(b, i + 1);
  if (b[i] === CLOSE_ARRAY) return out;
  while (i < b.length) {
    const end = skipValue(b, i);
    out.push(b.subarray(i, end));
    i = skipSpace(b, end);
    if (b[i] === CLOSE_ARRAY) return out;
    if (b[i] !== COMMA) return undefined;
    i = skipSpace(b, i + 1);
  }
  return undefined;
}

/**
 * Each record's bytes in `{"QueryResponse":{"<entity>":[…]}}`, in order, or undefined when they cannot be used:
 * not the same number as the parsed records, bytes that are not one line, or ones not naming their record's Id.
 */
export function recordBytes(bytes: Buffer, qboEntity: string, records: readonly QboRecord[]): Buffer[] | undefined {
  const response = findMember(bytes, skipSpace(bytes, 0), 'QueryResponse');
  const list = response === undefined ? undefined : findMember(bytes, response, qboEntity);
  const parts = list === undefined ? undefined : elements(bytes, list);
  if (!parts || parts.length !== records.length) return undefined;
  for (let k = 0; k < parts.length; k++) {
    const own = parts[k]!;
    if (own[0] !== OPEN_OBJECT || own[own.length - 1] !== CLOSE_OBJECT) return undefined;
    if (own.includes(0x0a) || own.includes(0x0d)) return undefined;
    if (!own.includes(`"Id":${JSON.stringify(records[k]!.Id)}`)) return undefined;
  }
  return parts;
}

/**
 * The bytes QBO sent for a record ride on the record object itself (a hidden symbol property, invisible to
 * JSON.stringify and Object.keys), so they are freed with the record.
 */
const RECORD_BYTES = Symbol('qbo record bytes');

export function rememberRecordBytes(records: readonly QboRecord[], parts: readonly Buffer[]): void {
  for (let k = 0; k < records.length; k++) Object.defineProperty(records[k]!, RECORD_BYTES, { value: parts[k]!, configurable: true });
}

/** The record as JSON: the bytes QBO sent when known, else the record serialised. */
export function recordJson(record: QboRecord): Buffer | string {
  return (record as { [RECORD_BYTES]?: Buffer })[RECORD_BYTES] ?? JSON.stringify(record);
}
