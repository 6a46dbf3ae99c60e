import type { DayCount } from '../../src/validate/daily-volume';
import { rangeDays } from '../../src/validate/daily-volume';
import { DEFAULT_VALIDATION_OPTIONS, validationOptions } from '../../src/validate/options';
import { mad, median, modifiedZ } from '../../src/validate/robust';
import { activeSpan, dayRanges, findEmptyDays, findOutliers } from '../../src/validate/volume-findings';

const days = (counts: number[]): DayCount[] =>
  counts.map((count, i) => ({ day: new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10), count, partial: false, chunk: Math.floor(i / 7) }));
const busy = (n: number) => Array.from({ length: n }, (_, i) => 40 + ((i * 5) % 11));

describe('robust statistics', () => {
  it('median and MAD ignore a single extreme value', () => {
    expect(median([1, 2, 3, 4, 1000])).toBe(3);
    expect(mad([1, 2, 3, 4, 1000])).toBe(1);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('modified z-score is Iglewicz–Hoaglin, with a mean-deviation fallback when MAD is zero', () => {
    expect(modifiedZ(10, [1, 2, 3, 4, 5])).toBeCloseTo((0.6745 * 7) / 1, 5);
    expect(modifiedZ(10, [5, 5, 5, 5, 9])).toBeCloseTo(5 / (1.253314 * 0.8), 5);
    expect(modifiedZ(6, [5, 5, 5])).toBe(Number.POSITIVE_INFINITY);
    expect(modifiedZ(5, [5, 5, 5])).toBe(0);
  });
});

describe('empty days', () => {
  it('finds a whole empty day inside a busy range and groups consecutive ones', () => {
    const counts = busy(40);
    counts[12] = 0;
    counts[20] = 0;
    counts[21] = 0;
    const found = findEmptyDays(days(counts), DEFAULT_VALIDATION_OPTIONS);
    expect(found.map((d) => d.day)).toEqual(['2024-01-13', '2024-01-21', '2024-01-22']);
    expect(dayRanges(found.map((d) => d.day))).toEqual(['2024-01-13', '2024-01-21..2024-01-22']);
    expect(found[0].chunk).toBe(1);
  });

  it('ignores empty days before the first and after the last record, and quiet days of a small company', () => {
    const counts = [0, 0, ...busy(20), 0, 0, 0];
    expect(findEmptyDays(days(counts), DEFAULT_VALIDATION_OPTIONS)).toEqual([]);
    expect(activeSpan(days(counts))).toEqual({ first: 2, last: 21 });
    const sparse = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? 0 : 2));
    expect(findEmptyDays(days(sparse), DEFAULT_VALIDATION_OPTIONS)).toEqual([]);
  });

  it('flags a long outage in full: neighbours are the nearest non-empty days, however far', () => {
    const counts = busy(60);
    for (let i = 20; i < 40; i += 1) counts[i] = 0;
    expect(findEmptyDays(days(counts), DEFAULT_VALIDATION_OPTIONS)).toHaveLength(20);
  });

  it('does not flag the weekends of a business that never works on weekends', () => {
    const counts = Array.from({ length: 70 }, (_, i) => (i % 7 === 5 || i % 7 === 6 ? 0 : 45 + (i % 4)));
    expect(findEmptyDays(days(counts), DEFAULT_VALIDATION_OPTIONS)).toEqual([]);
    counts[30] = 0;
    expect(findEmptyDays(days(counts), DEFAULT_VALIDATION_OPTIONS).map((d) => d.day)).toEqual(['2024-01-31']);
  });

  it('honours the configured busy threshold', () => {
    const counts = busy(30).map(() => 6);
    counts[15] = 0;
    expect(findEmptyDays(days(counts), DEFAULT_VALIDATION_OPTIONS)).toEqual([]);
    expect(findEmptyDays(days(counts), validationOptions({ emptyDayMinNeighbourMedian: 5 }))).toHaveLength(1);
  });
});

describe('outliers', () => {
  it('finds a spike and a sharp drop, not ordinary variation', () => {
    const counts = busy(60);
    counts[30] = 400;
    counts[45] = 5;
    const found = findOutliers(days(counts), DEFAULT_VALIDATION_OPTIONS);
    expect(found.map((d) => [d.day, d.direction])).toEqual([
      ['2024-01-31', 'high'],
      ['2024-02-15', 'low'],
    ]);
    expect(found[0].z).toBeGreaterThan(3.5);
  });

  it('does not flag the quiet weekends of a weekly rhythm', () => {
    const counts = Array.from({ length: 90 }, (_, i) => (i % 7 === 5 || i % 7 === 6 ? 8 + (i % 3) : 48 + ((i * 3) % 7)));
    expect(findOutliers(days(counts), DEFAULT_VALIDATION_OPTIONS)).toEqual([]);
    expect(findEmptyDays(days(counts), DEFAULT_VALIDATION_OPTIONS)).toEqual([]);
  });

  it('ignores large relative swings on tiny counts (minimum deviation)', () => {
    const counts = Array.from({ length: 40 }, () => 2);
    counts[10] = 9;
    expect(findOutliers(days(counts), DEFAULT_VALIDATION_OPTIONS)).toEqual([]);
    expect(findOutliers(days(counts), validationOptions({ outlierMinDeviation: 5 }))).toHaveLength(1);
  });
});

describe('range days', () => {
  it('lists every UTC day of a half-open range and marks partial edges', () => {
    const list = rangeDays(new Date('2024-01-01T12:00:00Z'), new Date('2024-01-04T00:00:00Z'));
    expect(list.map((d) => [d.day, d.partial])).toEqual([
      ['2024-01-01', true],
      ['2024-01-02', false],
      ['2024-01-03', false],
    ]);
  });
});

describe('options', () => {
  it('rejects a nonsensical threshold naming it', () => {
    expect(() => validationOptions({ outlierZ: -1 })).toThrow(/outlierZ must be a number >= 0/);
  });
});
