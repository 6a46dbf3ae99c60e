/**
 * The text a QBO answer was parsed from, kept with the parsed object, and each record's own text cut out of it,
 * so the spool can write a record as QBO sent it instead of serialising the parsed object again (the loader's
 * largest CPU cost after parsing). Every cut is checked against the parsed record; whatever does not check out is
 * serialised as before, so this only ever saves work.
 */
import type { QboRecord } from '../spool/types';

const RAW_TEXT = Symbol('qbo raw JSON text');

/**
 * axios transformResponse: JSON.parse, keeping the text on a parsed query answer (nothing else: a token answer's
 * text would carry credentials); a body that is not JSON stays text, as with axios' own.
 */
export function parseKeepingText(data: unknown): unknown {
  if (typeof data !== 'string' || data.length === 0) return data;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return data;
  }
  if (typeof parsed === 'object' && parsed !== null && 'QueryResponse' in parsed) Object.defineProperty(parsed, RAW_TEXT, { value: data });
  return parsed;
}

/** The text `body` was parsed from, if parseKeepingText parsed it. */
export function rawTextOf(body: object): string | undefined {
  const text = (body as { [RAW_TEXT]?: unknown })[RAW_TEXT];
  return typeof text === 'string' ? text : undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(t: string, i: number): number {
  while (i < t.length && isSpace(t.charCodeAt(i))) i++;
  return i;
}

/** `i` at an opening quote; the index after the closing one. */
function skipString(t: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = t.indexOf('"', j);
    if (q < 0) return t.length;
    let slashes = 0;
    for (let k = q - 1; k > i && t.charCodeAt(k) === BACKSLASH; k--) slashes++;
    if (slashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** `i` at the start of a value of valid JSON; the index after it. */
function skipValue(t: string, i: number): number {
  const c = t.charCodeAt(i);
  if (c === QUOTE) return skipString(t, i);
  if (c !== 0x7b && c !== 0x5b) {
    while (i < t.length) {
      const d = t.charCodeAt(i);
      if (d === 0x2c || d === 0x7d || d === 0x5d || isSpace(d)) break;
      i++;
    }
    return i;
  }
  let depth = 0;
  while (i < t.length) {
    const d = t.charCodeAt(i);
    if (d === QUOTE) {
      i = skipString(t, i);
      continue;
    }
    if (d === 0x7b || d === 0x5b) depth++;
    else if (d === 0x7d || d === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}

/** `i` at '{': where the value of member `key` starts, or undefined (no such member, or not an object). */
function findMember(t: string, i: number, key: string): number | undefined {
  if (t.charCodeAt(i) !== 0x7b) return undefined;
  i = skipSpace(t, i + 1);
  const wanted = JSON.stringify(key);
  while (i < t.length && t.charCodeAt(i) === QUOTE) {
    const end = skipString(t, i);
    const name = t.slice(i, end);
    i = skipSpace(t, end);
    if (t.charCodeAt(i) !== 0x3a) return undefined;
    i = skipSpace(t, i + 1);
    if (name === wanted || (name.includes('\\') && JSON.parse(name) === key)) return i;
    i = skipSpace(t, skipValue(t, i));
    if (t.charCodeAt(i) !== 0x2c) return undefined;
    i = skipSpace(t, i + 1);
  }
  return undefined;
}

/** The texts of the elements of the array starting at `i`. */
function elements(t: string, i: number): string[] | undefined {
  if (t.charCodeAt(i) !== 0x5b) return undefined;
  const out: string[] = [];
  i = skipSpace(t, i + 1);
  if (t.charCodeAt(i) === 0x5d) return out;
  while (i < t.length) {
    const end = skipValue(t, i);
    out.push(t.slice(i, end));
    i = skipSpace(t, end);
    const c = t.charCodeAt(i);
    if (c === 0x5d) return out;
    if (c !== 0x2c) return undefined;
    i = skipSpace(t, i + 1);
  }
  return undefined;
}

/**
 * Each record's text in `{"QueryResponse":{"<entity>":[…]}}`, in order, or undefined when they cannot be used:
 * not the same number as the parsed records, a text that is not one line, or one not naming its record's Id.
 */
export function recordTexts(text: string, qboEntity: string, records: readonly QboRecord[]): string[] | undefined {
  const response = findMember(text, skipSpace(text, 0), 'QueryResponse');
  const list = response === undefined ? undefined : findMember(text, response, qboEntity);
  const texts = list === undefined ? undefined : elements(text, list);
  if (!texts || texts.length !== records.length) return undefined;
  for (let k = 0; k < texts.length; k++) {
    const own = texts[k]!;
    if (own.charCodeAt(0) !== 0x7b || own.charCodeAt(own.length - 1) !== 0x7d) return undefined;
    if (own.includes('\n') || own.includes('\r')) return undefined;
    if (!own.includes(`"Id":${JSON.stringify(records[k]!.Id)}`)) return undefined;
  }
  return texts;
}

/** Record objects → the text QBO sent for them (set by fetchPage, read by the spool writer). */
const recordText = new WeakMap<QboRecord, string>();

export function rememberRecordTexts(records: readonly QboRecord[], texts: readonly string[]): void {
  for (let k = 0; k < records.length; k++) recordText.set(records[k]!, texts[k]!);
}

/** The record as JSON text: as QBO sent it when known, else serialised. */
export function recordJson(record: QboRecord): string {
  return recordText.get(record) ?? JSON.stringify(record);
}
