/**
 * Literals for QBO queries. Instants are always sent in UTC with an explicit `+00:00` offset: QBO reads a
 * datetime without offset in an unstated zone (probably the company's Pacific time). Dates are `YYYY-MM-DD`.
 */
import { FatalError } from '../core/errors';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function datePart(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `2024-01-01T00:00:00+00:00` (whole seconds; QBO timestamps carry no fractions). */
export function instantLiteral(d: Date): string {
  if (Number.isNaN(d.getTime()) || d.getTime() % 1000 !== 0) {
    throw new FatalError(`Cannot send ${String(d)} to QBO: instants must be valid whole seconds.`, { code: 'QUERY_BAD_LITERAL' });
  }
  return `${datePart(d)}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}+00:00`;
}

/** `2024-01-01` for a midnight-UTC Date. */
export function dateLiteral(d: Date): string {
  if (Number.isNaN(d.getTime()) || d.getTime() % 86_400_000 !== 0) {
    throw new FatalError(`Cannot send ${String(d)} to QBO as a date: it is not midnight UTC.`, { code: 'QUERY_BAD_LITERAL' });
  }
  return datePart(d);
}

export function quote(text: string): string {
  return `'${text.replace(/'/g, "\\'")}'`;
}
