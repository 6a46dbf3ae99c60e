/**
 * Pure detectors over per-day counts (no database):
 *  - active span: from the first to the last day with data; empty days before or after it are not judged
 *    (the company started later, or the range reaches past today);
 *  - empty day: a whole day with no record inside the active span, where the median of the nearest non-empty
 *    days around it (`emptyDayNeighbourDays` before and after) is at least `emptyDayMinNeighbourMedian`;
 *  - outlier: a non-empty whole day whose modified z-score against the days within ± `outlierNeighbourDays`
 *    (itself and empty days excluded) exceeds `outlierZ`, and that differs from their median by at least
 *    `outlierMinDeviation` records.
 */
import type { DayCount } from './daily-volume';
import type { ValidationOptions } from './options';
import { median, modifiedZ } from './robust';

export interface EmptyDay {
  readonly day: string;
  readonly chunk: number | null;
  readonly neighbour_median: number;
}

export interface OutlierDay {
  readonly day: string;
  readonly chunk: number | null;
  readonly count: number;
  readonly median: number;
  /** Modified z-score; null when the neighbours have no spread at all. */
  readonly z: number | null;
  readonly direction: 'high' | 'low';
}

export interface ActiveSpan {
  readonly first: number;
  readonly last: number;
}

export function activeSpan(days: readonly DayCount[]): ActiveSpan | null {
  const first = days.findIndex((d) => d.count > 0);
  if (first < 0) return null;
  let last = days.length - 1;
  while (days[last].count === 0) last -= 1;
  return { first, last };
}

function nearestNonEmpty(days: readonly DayCount[], span: ActiveSpan, at: number, perSide: number): number[] {
  const picked: number[] = [];
  for (const step of [-1, 1]) {
    let found = 0;
    for (let i = at + step; i >= span.first && i <= span.last && found < perSide; i += step) {
      if (days[i].count > 0) {
        picked.push(days[i].count);
        found += 1;
      }
    }
  }
  return picked;
}

export function findEmptyDays(days: readonly DayCount[], o: ValidationOptions): EmptyDay[] {
  const span = activeSpan(days);
  if (!span) return [];
  const found: EmptyDay[] = [];
  for (let i = span.first + 1; i < span.last; i += 1) {
    const d = days[i];
    if (d.count > 0 || d.partial) continue;
    const neighbours = nearestNonEmpty(days, span, i, o.emptyDayNeighbourDays);
    const m = median(neighbours);
    if (neighbours.length > 0 && m >= o.emptyDayMinNeighbourMedian) found.push({ day: d.day, chunk: d.chunk, neighbour_median: m });
  }
  return found;
}

export function findOutliers(days: readonly DayCount[], o: ValidationOptions): OutlierDay[] {
  const span = activeSpan(days);
  if (!span) return [];
  const found: OutlierDay[] = [];
  for (let i = span.first; i <= span.last; i += 1) {
    const d = days[i];
    if (d.count === 0 || d.partial) continue;
    const reference: number[] = [];
    const lo = Math.max(span.first, i - o.outlierNeighbourDays);
    const hi = Math.min(span.last, i + o.outlierNeighbourDays);
    for (let j = lo; j <= hi; j += 1) if (j !== i && days[j].count > 0 && !days[j].partial) reference.push(days[j].count);
    if (reference.length < o.volumetryMinDays) continue;
    const m = median(reference);
    const z = modifiedZ(d.count, reference);
    if (Math.abs(z) > o.outlierZ && Math.abs(d.count - m) >= o.outlierMinDeviation) {
      found.push({ day: d.day, chunk: d.chunk, count: d.count, median: m, z: Number.isFinite(z) ? Math.round(z * 10) / 10 : null, direction: d.count > m ? 'high' : 'low' });
    }
  }
  return found;
}

/** Consecutive days grouped as `2024-03-04..2024-03-06` for messages. */
export function dayRanges(days: readonly string[]): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i <= days.length; i += 1) {
    const contiguous = i < days.length && Date.parse(days[i]) - Date.parse(days[i - 1]) === 86_400_000;
    if (!contiguous) {
      out.push(i - 1 === start ? days[start] : `${days[start]}..${days[i - 1]}`);
      start = i;
    }
  }
  return days.length === 0 ? [] : out;
}
