/**
 * Company-time-zone arithmetic. QBO writes MetaData timestamps with the company's offset (Pacific: -08:00 or
 * -07:00 by DST), never UTC, and reads a filter literal without an offset in that zone.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
/** Per zone: UTC day -> offset that holds all day, or NaN on a day with a DST transition. */
const dayOffsets = new Map<string, Map<number, number>>();
/** Per zone: 15-minute bucket -> offset, used on transition days only. */
const bucketOffsets = new Map<string, Map<number, number>>();
const BUCKET_MS = 15 * 60 * 1000; // DST transitions happen on the hour
export const DAY_MS = 86_400_000;

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's offset at one instant, asked of Intl (slow: cached by the callers). */
function exactOffset(zone: string, at: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(at))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((wall - Math.floor(at / 1000) * 1000) / 60000);
}

function cacheFor(caches: Map<string, Map<number, number>>, zone: string): Map<number, number> {
  let c = caches.get(zone);
  if (!c) {
    c = new Map();
    caches.set(zone, c);
  }
  return c;
}

/** Offset of `zone` from UTC at instant `ms`, in minutes (Pacific: -480 or -420). */
export function zoneOffsetMinutes(zone: string, ms: number): number {
  const day = Math.floor(ms / DAY_MS);
  const days = cacheFor(dayOffsets, zone);
  let offset = days.get(day);
  if (offset === undefined) {
    const start = exactOffset(zone, day * DAY_MS);
    offset = start === exactOffset(zone, (day + 1) * DAY_MS - 1000) ? start : Number.NaN;
    days.set(day, offset);
  }
  if (!Number.isNaN(offset)) return offset;
  const bucket = Math.floor(ms / BUCKET_MS);
  const buckets = cacheFor(bucketOffsets, zone);
  let exact = buckets.get(bucket);
  if (exact === undefined) {
    exact = exactOffset(zone, bucket * BUCKET_MS);
    buckets.set(bucket, exact);
  }
  return exact;
}

function pad(n: number, width = 2): string {
  return String(Math.abs(n)).padStart(width, '0');
}

export function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  return `${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}

/** `2014-09-16T10:36:03-07:00` (whole seconds) or with `.808` milliseconds when asked. */
export function formatZoned(ms: number, zone: string, withMillis = false): string {
  const offset = zoneOffsetMinutes(zone, ms);
  const wall = ms + offset * 60000;
  const day = Math.floor(wall / DAY_MS);
  const inDay = wall - day * DAY_MS;
  const h = Math.floor(inDay / 3_600_000);
  const m = Math.floor(inDay / 60_000) % 60;
  const sec = Math.floor(inDay / 1000) % 60;
  const millis = withMillis ? `.${pad(Math.floor(inDay % 1000), 3)}` : '';
  return `${dayToDate(day)}T${pad(h)}:${pad(m)}:${pad(sec)}${millis}${offsetText(offset)}`;
}

/** Epoch ms of a wall-clock time in `zone`. */
export function wallToEpoch(zone: string, y: number, mo: number, d: number, h = 0, mi = 0, s = 0, msPart = 0): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, msPart);
  let guess = wall - zoneOffsetMinutes(zone, wall) * 60000;
  guess = wall - zoneOffsetMinutes(zone, guess) * 60000;
  return guess;
}

/** Day number (days since 1970-01-01) of the calendar date of `ms` in `zone`. */
export function zonedDay(ms: number, zone: string): number {
  return Math.floor((ms + zoneOffsetMinutes(zone, ms) * 60000) / DAY_MS);
}

const dates = new Map<number, string>();

/** `YYYY-MM-DD` of a day number (cached: a company spans a few thousand days). */
export function dayToDate(day: number): string {
  let text = dates.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (dates.size > 100_000) dates.clear();
    dates.set(day, text);
  }
  return text;
}

/** A parsed filter literal: the date it names and the instant it stands for. */
export interface TimeLiteral {
  readonly day: number;
  readonly epochMs: number;
}

const LITERAL =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Reads a QBO date/time literal: `2015-03-01`, `2024-06-01T00:00:00`, `2011-08-10T10:20:30-0700`, `…-07:00`,
 * `…+00:00`, `…Z`. Without an offset the wall time is read in `zone` (QBO's company-zone behaviour).
 * Returns undefined when the text is not a date.
 */
export function parseTimeLiteral(text: string, zone: string): TimeLiteral | undefined {
  const m = LITERAL.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', off] = m;
  const nums = [y, mo, d, h, mi, s].map(Number);
  const msPart = Math.round(Number(`0.${frac}`) * 1000);
  if (nums[1] < 1 || nums[1] > 12 || nums[2] < 1 || nums[2] > 31 || nums[3] > 23 || nums[4] > 59 || nums[5] > 59) {
    return undefined;
  }
  const day = Math.floor(Date.UTC(nums[0], nums[1] - 1, nums[2]) / DAY_MS);
  if (off === undefined) {
    return { day, epochMs: wallToEpoch(zone, nums[0], nums[1], nums[2], nums[3], nums[4], nums[5], msPart) };
  }
  const wall = Date.UTC(nums[0], nums[1] - 1, nums[2], nums[3], nums[4], nums[5], msPart);
  if (off === 'Z') return { day, epochMs: wall };
  const digits = off.replace(':', '');
  const minutes = (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * (digits[0] === '-' ? -1 : 1);
  return { day, epochMs: wall - minutes * 60000 };
}
