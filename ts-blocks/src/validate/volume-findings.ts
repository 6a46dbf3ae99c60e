/**
 * Pure detectors over per-day counts (no database). Activity has a weekly rhythm (few invoices on Sundays), so a
 * day is compared with the SAME weekday around it, never with its immediate neighbours:
 *  - active span: from the first to the last day with data; empty days before or after it are not judged
 *    (the company started later, or the range reaches past today);
 *  - empty day: a whole day with no record inside the active span, where the median of the nearest non-empty
 *    days of the same weekday (`emptyDayNeighbours` before and after) is at least `emptyDayMinNeighbourMedian`;
 *  - outlier: a non-empty whole day whose modified z-score against the same weekday within ±
 *    `outlierNeighbourWeeks` weeks (empty and partial days excluded; with fewer than 3 of those, every day within
 *    that distance) exceeds `outlierZ`, and that differs from their median by at least `outlierMinDeviation`.
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

const WEEK = 7;
const MIN_REFERENCE = 3;

/** Counts of the nearest non-empty whole days of the same weekday, up to `perSide` on each side, inside the span. */
function sameWeekdayNeighbours(days: readonly DayCount[], span: ActiveSpan, at: number, perSide: number): number[] {
  const picked: number[] = [];
  for (const step of [-WEEK, WEEK]) {
    let found = 0;
    for (let i = at + step; i >= span.first && i <= span.last && found < perSide; i += step) {
      if (days[i].count > 0 && !days[i].partial) {
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
    const neighbours = sameWeekdayNeighbours(days, span, i, o.emptyDayNeighbours);
    const m = median(neighbours);
    if (neighbours.length > 0 && m >= o.emptyDayMinNeighbourMedian) found.push({ day: d.day, chunk: d.chunk, neighbour_median: m });
  }
  return found;
}

function outlierReference(days: readonly DayCount[], span: ActiveSpan, at: number, weeks: number): number[] {
  const usable = (j: number) => j !== at && days[j].count > 0 && !days[j].partial;
  const lo = Math.max(span.first, at - weeks * WEEK);
  const hi = Math.min(span.last, at + weeks * WEEK);
  const seasonal: number[] = [];
  const all: number[] = [];
  for (let j = lo; j <= hi; j += 1) {
    if (!usable(j)) continue;
    all.push(days[j].count);
    if ((j - at) % WEEK === 0) seasonal.push(days[j].count);
  }
  return seasonal.length >= MIN_REFERENCE ? seasonal : all;
}

export function findOutliers(days: readonly DayCount[], o: ValidationOptions): OutlierDay[] {
  const span = activeSpan(days);
  if (!span) return [];
  const found: OutlierDay[] = [];
  for (let i = span.first; i <= span.last; i += 1) {
    const d = days[i];
    if (d.count === 0 || d.partial) continue;
    const reference = outlierReference(days, span, i, o.outlierNeighbourWeeks);
    if (reference.length < MIN_REFERENCE) continue;
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
