/**
 * Canonical JSON and the payload hash stored in raw.qb_<entity>.payload_sha256.
 *
 * canonical JSON (the RFC 8785 "JCS" form for JSON values): no whitespace; object members sorted by key, comparing
 * keys as sequences of UTF-16 code units; strings escaped as ECMAScript JSON.stringify escapes them; numbers in
 * ECMAScript's shortest round-trip form (JSON.stringify of the double); arrays keep their order.
 * payload_sha256 = lower-case hex SHA-256 of the UTF-8 bytes of that text.
 *
 * The same text is what the loader writes into the `payload` column, so the hash can be re-derived from a stored
 * row: read `payload` (node-postgres parses JSONB into the same value), canonicalise, hash.
 */
import { createHash } from 'node:crypto';
import { DataError } from '../core/errors';

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw notJson(`the number ${String(value)}`);
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value as Record<string, unknown>);
    default:
      throw notJson(`a value of type ${typeof value}`);
  }
}

function canonicalArray(values: readonly unknown[]): string {
  return `[${values.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
}

function canonicalObject(obj: Record<string, unknown>): string {
  const members: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (v === undefined) continue;
    members.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${members.join(',')}}`;
}

function notJson(what: string): DataError {
  return new DataError(`Cannot canonicalise ${what}: a QBO payload holds only JSON values.`, { code: 'PAYLOAD_NOT_JSON' });
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** payload_sha256 of a QBO object (see the definition above). */
export function payloadSha256(payload: unknown): string {
  return sha256Hex(canonicalJson(payload));
}
