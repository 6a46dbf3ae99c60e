/**
 * Canonical JSON (RFC 8785 style: no whitespace, object members sorted by key as UTF-16 code units, ECMAScript number
 * and string forms), for tests that compare payloads as JSON values whatever their key order.
 */
import { DataError } from '../../src/core/errors';

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
