/**
 * Strict ISO-8601 parsing for the runtime variables. Accepted forms:
 *   2024-01-01                      date only: midnight UTC
 *   2024-01-01T10:20[:30[.123]]     no zone: UTC (a space instead of `T` is accepted too, as Mage may send)
 *   ...Z | ...+05:00 | ...-0500     explicit offset: converted to UTC
 * Calendar-invalid values (2024-02-30, 25:00) are rejected rather than rolled over.
 */
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

export const ISO_ACCEPTED_FORM =
  'ISO-8601, e.g. 2024-01-01, 2024-01-01T00:00:00 (UTC), 2024-01-01T00:00:00Z or 2024-01-01T00:00:00-05:00';

function offsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!m) return undefined;
  const hours = Number(m[2]);
  const minutes = Number(m[3] ?? '0');
  if (hours > 23 || minutes > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/** Parses an ISO-8601 text into a UTC instant; undefined when it is not a valid ISO-8601 date or date-time. */
export function parseIsoUtc(text: string): Date | undefined {
  const m = ISO_RE.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1, 7) as string[];
  const fraction = m[7] ?? '';
  const ms = fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  const local = Date.UTC(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], ms);
  const check = new Date(local);
  const sameCalendar =
    check.getUTCFullYear() === parts[0] &&
    check.getUTCMonth() === parts[1] &&
    check.getUTCDate() === parts[2] &&
    check.getUTCHours() === parts[3] &&
    check.getUTCMinutes() === parts[4] &&
    check.getUTCSeconds() === parts[5];
  const offset = offsetMinutes(m[8]);
  if (!sameCalendar || offset === undefined) return undefined;
  return new Date(local - offset * 60_000);
}

/** `2024-01-01T00:00:00.000Z`: the one UTC text form used in events, manifests and spool headers. */
export function toUtcIso(date: Date): string {
  return date.toISOString();
}

export function isWholeUtcDay(date: Date): boolean {
  return date.getTime() % 86_400_000 === 0;
}
