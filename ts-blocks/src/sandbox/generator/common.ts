/** Helpers shared by the payload builders. */
import { Rng } from '../random';
import { formatZoned } from '../time';
import { CITIES, STREETS } from './names';

export type Payload = Record<string, unknown>;

export const USD = { value: 'USD', name: 'United States Dollar' } as const;

/** Cents to a JSON money number. */
export function money(cents: number): number {
  return Math.round(cents) / 100;
}

export function metaData(createSec: number, updatedSec: number, zone: string): Payload {
  return {
    CreateTime: formatZoned(createSec * 1000, zone),
    LastUpdatedTime: formatZoned(updatedSec * 1000, zone),
  };
}

/** A postal address drawn from `seed` (stable for a customer across versions). */
export function address(seed: number, id: string): Payload {
  const rng = new Rng(seed);
  const [city, state, zip] = rng.pick(CITIES);
  return {
    Id: id,
    Line1: `${rng.range(1, 9999)} ${rng.pick(STREETS)}`,
    City: city,
    CountrySubDivisionCode: state,
    PostalCode: zip,
  };
}

/** ASCII e-mail local part for a (possibly non-Latin) name. */
export function emailLocal(name: string, fallback: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '.')
    .replace(/^\.+|\.+$/g, '');
  return ascii.length >= 2 ? ascii.slice(0, 40) : fallback;
}

/** What QBO appends to a name-list record's names while it is inactive. */
export const DELETED_SUFFIX = ' (deleted)';

/** The name without the suffix an inactive record's names carry. */
export function withoutDeletedSuffix(name: string): string {
  return name.endsWith(DELETED_SUFFIX) ? name.slice(0, -DELETED_SUFFIX.length) : name;
}

/** Makes display names unique the way a bookkeeper would: a number after the duplicate. */
export function uniqueNames(names: string[], ids: Int32Array): string[] {
  const seen = new Set<string>();
  return names.map((name, i) => {
    const key = name.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      return name;
    }
    const renamed = `${name} ${ids[i]}`;
    seen.add(renamed.toLowerCase());
    return renamed;
  });
}

/** Binary search: how many of the first `n` (ascending) `values` are <= `limit`. */
export function countAtOrBefore(values: Uint32Array, limit: number, n = values.length): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Creation moments (epoch ms) sorted ascending: a share at the span start (the initial import), the rest spread. */
export function creationTimes(rng: Rng, count: number, sample: () => number, startMs: number, importShare: number): Float64Array {
  const times = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    times[i] = i === 0 || rng.chance(importShare) ? startMs + rng.int(3 * 86400) * 1000 : sample();
  }
  return times.sort();
}
