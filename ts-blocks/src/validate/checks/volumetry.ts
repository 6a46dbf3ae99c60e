/**
 * Volumetry per day (`volumetry_empty_days`, `volumetry_outliers`): warnings, never failures — the data is what
 * QBO holds; a reviewer decides whether an empty day or a spike is real (see docs/validation.md).
 */
import { dailyVolume, type DayCount } from '../daily-volume';
import type { ValidationOptions } from '../options';
import { median } from '../robust';
import type { Queryable } from '../run-info';
import type { CheckResult, RunInfo } from '../types';
import { activeSpan, dayRanges, findEmptyDays, findOutliers } from '../volume-findings';

export const EMPTY_DAYS_CHECK = 'volumetry_empty_days';
export const OUTLIERS_CHECK = 'volumetry_outliers';
const MAX_LISTED = 60;

function stats(days: readonly DayCount[]): Record<string, unknown> {
  const span = activeSpan(days);
  const withData = days.filter((d) => d.count > 0);
  return {
    days: days.length,
    days_with_data: withData.length,
    records: days.reduce((n, d) => n + d.count, 0),
    median_per_day_with_data: withData.length ? median(withData.map((d) => d.count)) : 0,
    max_per_day: withData.reduce((m, d) => Math.max(m, d.count), 0),
    active_span: span ? [days[span.first].day, days[span.last].day] : null,
    leading_empty_days: span ? span.first : days.length,
    trailing_empty_days: span ? days.length - 1 - span.last : 0,
  };
}

export function judgeVolumetry(days: readonly DayCount[], o: ValidationOptions, field: string): CheckResult[] {
  const base = stats(days);
  const thresholds = {
    empty_day_neighbours_same_weekday: o.emptyDayNeighbours,
    empty_day_min_neighbour_median: o.emptyDayMinNeighbourMedian,
    outlier_neighbour_weeks: o.outlierNeighbourWeeks,
    outlier_z: o.outlierZ,
    outlier_min_deviation: o.outlierMinDeviation,
    min_days: o.volumetryMinDays,
  };
  if ((base.days_with_data as number) < o.volumetryMinDays) {
    const message = `Only ${String(base.days_with_data)} day(s) with data by ${field}: too few to judge empty days or outliers (needs ${o.volumetryMinDays}).`;
    const details = { ...base, thresholds, judged: false };
    return [
      { check: EMPTY_DAYS_CHECK, severity: 'ok', message, details },
      { check: OUTLIERS_CHECK, severity: 'ok', message, details },
    ];
  }
  return [emptyDaysResult(days, o, base, thresholds, field), outliersResult(days, o, base, thresholds, field)];
}

function emptyDaysResult(
  days: readonly DayCount[], o: ValidationOptions, base: Record<string, unknown>, thresholds: object, field: string,
): CheckResult {
  const empty = findEmptyDays(days, o);
  const details = { ...base, thresholds, judged: true, empty_days: empty.slice(0, MAX_LISTED), empty_days_total: empty.length };
  if (empty.length === 0) {
    return { check: EMPTY_DAYS_CHECK, severity: 'ok', details,
      message: `No empty day inside the active span ${spanText(base)} (${String(base.days_with_data)} days with data by ${field}, median ${String(base.median_per_day_with_data)}/day).` };
  }
  const ranges = dayRanges(empty.map((e) => e.day));
  return { check: EMPTY_DAYS_CHECK, severity: 'warning', details,
    message: `${empty.length} empty day(s) by ${field} inside a busy range: ${ranges.slice(0, 5).join(', ')}${ranges.length > 5 ? ', …' : ''} ` +
      `(neighbours' median ${empty[0].neighbour_median}/day). Check QBO for those days; if records exist there, re-run their windows with force.` };
}

function outliersResult(
  days: readonly DayCount[], o: ValidationOptions, base: Record<string, unknown>, thresholds: object, field: string,
): CheckResult {
  const outliers = findOutliers(days, o);
  const details = { ...base, thresholds, judged: true, outliers: outliers.slice(0, MAX_LISTED), outliers_total: outliers.length };
  if (outliers.length === 0) {
    return { check: OUTLIERS_CHECK, severity: 'ok', details,
      message: `No day by ${field} departs from its neighbours (modified z > ${o.outlierZ} and ≥ ${o.outlierMinDeviation} records).` };
  }
  const shown = outliers.slice(0, 3).map((d) => `${d.day}: ${d.count} vs ~${d.median} (${d.direction})`).join('; ');
  return { check: OUTLIERS_CHECK, severity: 'warning', details,
    message: `${outliers.length} day(s) by ${field} with unusual volume — ${shown}${outliers.length > 3 ? '; …' : ''}. ` +
      'A spike is often a bulk edit or import in QBO; a drop, missing data: compare with QBO and re-run the window with force if rows are missing.' };
}

function spanText(base: Record<string, unknown>): string {
  const span = base.active_span as [string, string] | null;
  return span ? `${span[0]}..${span[1]}` : '(none)';
}

export async function checkVolumetry(db: Queryable, run: RunInfo, o: ValidationOptions): Promise<CheckResult[]> {
  const field = run.dateField === 'txn_date' ? 'TxnDate' : 'LastUpdatedTime';
  return judgeVolumetry(await dailyVolume(db, run), o, field);
}
