/**
 * Records whose JSON PostgreSQL's jsonb cannot hold, and the one rule that makes them storable.
 *
 * jsonb refuses two things JSON allows: the escape `\u0000` (SQLSTATE 22P05, "unsupported Unicode escape sequence")
 * and a `\uD800`–`\uDFFF` escape that is not half of a surrogate pair (22P02). QBO may send either inside any string.
 * The rule, applied to the record's JSON text: each `\u0000` escape and each unpaired surrogate escape becomes
 * `\ufffd` (U+FFFD, the Unicode replacement character); nothing else changes. It is deterministic, so the same text
 * from QBO always gives the same stored payload. Literal text such as `\\u0000` (an escaped backslash followed by
 * "u0000") is not an escape and is kept. The exact text QBO sent is kept beside the row (ops.unstorable_payloads).
 */
import { createHash } from 'node:crypto';

const ESCAPE = /\\u([0-9a-fA-F]{4})/g;

/** What jsonb cannot take about the escape at `index` of `text` (whose hex is `hex`), if anything. */
function isUnstorableEscape(text: string, index: number, hex: string): boolean {
  let slashes = 0;
  for (let k = index - 1; k >= 0 && text.charCodeAt(k) === 0x5c; k--) slashes++;
  if (slashes % 2 === 1) return false; // `\\u….`: an escaped backslash, then plain text
  const code = parseInt(hex, 16);
  if (code === 0) return true;
  if (code >= 0xd800 && code <= 0xdbff) {
    const next = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(text.slice(index + 6, index + 12));
    return next === null;
  }
  if (code >= 0xdc00 && code <= 0xdfff) {
    const prev = index >= 6 ? /^\\u[dD][89abAB][0-9a-fA-F]{2}$/.exec(text.slice(index - 6, index)) : null;
    return prev === null || isUnstorableEscape(text, index - 6, text.slice(index - 4, index));
  }
  return false;
}

/**
 * True when the JSON text holds an escape jsonb refuses. Cheap on ordinary records: JSON.stringify only writes
 * `\u` escapes for control characters and lone surrogates, so most texts have none and one indexOf answers.
 */
export function hasUnstorableEscape(text: string): boolean {
  if (!text.includes('\\u')) return false;
  for (const m of text.matchAll(ESCAPE)) if (isUnstorableEscape(text, m.index!, m[1]!)) return true;
  return false;
}

/** The record's JSON text with each escape jsonb refuses replaced by `\ufffd` (see the file comment). */
export function repairJsonText(text: string): string {
  return text.replace(ESCAPE, (whole: string, hex: string, index: number) => (isUnstorableEscape(text, index, hex) ? '\\ufffd' : whole));
}

function badString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

function walk(value: unknown, path: string, out: string[]): void {
  if (typeof value === 'string') {
    if (badString(value)) out.push(path || '(record)');
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, `${path}[${i}]`, out));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const name = badString(k) ? JSON.stringify(k) : k;
      if (badString(k)) out.push(`${path ? `${path}.` : ''}${name} (key)`);
      walk(v, path ? `${path}.${name}` : name, out);
    }
  }
}

/** The paths (e.g. `DisplayName`, `Line[0].Description`) of the parsed record's strings jsonb cannot hold. */
export function unstorableFields(record: unknown): string[] {
  const out: string[] = [];
  walk(record, '', out);
  return out;
}

/** A record stored by the rule: what QBO sent, its hash, and where the offending strings were. */
export interface RepairedRecord {
  readonly id: string;
  /** QBO's exact JSON text of the record. */
  readonly original: string;
  /** SHA-256 (hex) of the original text's UTF-8 bytes: the row's payload_sha256. */
  readonly originalSha256: string;
  readonly fields: readonly string[];
}

export function repairedRecord(id: string, original: string, record: unknown): RepairedRecord {
  return {
    id,
    original,
    originalSha256: createHash('sha256').update(original, 'utf8').digest('hex'),
    fields: unstorableFields(record),
  };
}
