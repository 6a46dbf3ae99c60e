/**
 * Validation thresholds: named defaults, overridable per call (CLI flags, Mage variables). Read once into a
 * readonly object by `validationOptions`, which rejects nonsense with a ConfigError naming the setting.
 */
import { isAbsent, toNumber } from '../config/coerce';
import { ConfigError } from '../core/errors';

/** Which chunks the idempotency proof re-loads from their spool files. */
export type IdempotencyChunks = 'largest' | 'all' | 'none' | readonly number[];

export interface ValidationOptions {
  /**
   * A zero day is "empty" when the median of its nearest non-empty days of the SAME weekday (this many before and
   * this many after, inside the active span) …
   */
  readonly emptyDayNeighbours: number;
  /** … is at least this many records per day. Quiet days of a small company are not flagged. */
  readonly emptyDayMinNeighbourMedian: number;
  /**
   * Outliers: a day is compared with the same weekday within ± this many weeks (so a weekly rhythm — quiet
   * weekends — is not an anomaly); with fewer than 3 such days, with every day within ± this many weeks.
   */
  readonly outlierNeighbourWeeks: number;
  /** Modified z-score (0.6745·(x − median)/MAD, Iglewicz–Hoaglin) above which a day is an outlier. */
  readonly outlierZ: number;
  /** … and the day must differ from the median by at least this many records (ignores noise on tiny counts). */
  readonly outlierMinDeviation: number;
  /** Fewer days with data than this: volumetry reports "too few days" instead of judging. */
  readonly volumetryMinDays: number;
  /** Chunks re-loaded by the idempotency proof. */
  readonly idempotencyChunks: IdempotencyChunks;
  /** Ingestion timestamps later than now + this are reported as clock errors. */
  readonly clockSkewMs: number;
  /** Checks run at once, each on its own database connection (at most the pool's size minus one is useful). */
  readonly checksAtOnce: number;
}

export const DEFAULT_EMPTY_DAY_NEIGHBOURS = 4;
export const DEFAULT_EMPTY_DAY_MIN_NEIGHBOUR_MEDIAN = 10;
export const DEFAULT_OUTLIER_NEIGHBOUR_WEEKS = 4;
export const DEFAULT_OUTLIER_Z = 3.5;
export const DEFAULT_OUTLIER_MIN_DEVIATION = 10;
export const DEFAULT_VOLUMETRY_MIN_DAYS = 7;
export const DEFAULT_IDEMPOTENCY_CHUNKS: IdempotencyChunks = 'largest';
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000;
export const DEFAULT_CHECKS_AT_ONCE = 3;

export const DEFAULT_VALIDATION_OPTIONS: ValidationOptions = {
  emptyDayNeighbours: DEFAULT_EMPTY_DAY_NEIGHBOURS,
  emptyDayMinNeighbourMedian: DEFAULT_EMPTY_DAY_MIN_NEIGHBOUR_MEDIAN,
  outlierNeighbourWeeks: DEFAULT_OUTLIER_NEIGHBOUR_WEEKS,
  outlierZ: DEFAULT_OUTLIER_Z,
  outlierMinDeviation: DEFAULT_OUTLIER_MIN_DEVIATION,
  volumetryMinDays: DEFAULT_VOLUMETRY_MIN_DAYS,
  idempotencyChunks: DEFAULT_IDEMPOTENCY_CHUNKS,
  clockSkewMs: DEFAULT_CLOCK_SKEW_MS,
  checksAtOnce: DEFAULT_CHECKS_AT_ONCE,
};

const NUMERIC: ReadonlyArray<[keyof ValidationOptions, number]> = [
  ['emptyDayNeighbours', 1],
  ['emptyDayMinNeighbourMedian', 0],
  ['outlierNeighbourWeeks', 1],
  ['outlierZ', 0],
  ['outlierMinDeviation', 0],
  ['volumetryMinDays', 1],
  ['clockSkewMs', 0],
  ['checksAtOnce', 1],
];

/** Defaults merged with overrides, checked. */
export function validationOptions(overrides: Partial<ValidationOptions> = {}): ValidationOptions {
  const merged: ValidationOptions = { ...DEFAULT_VALIDATION_OPTIONS, ...stripUndefined(overrides) };
  for (const [key, min] of NUMERIC) {
    const v = merged[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
      throw new ConfigError(`Validation setting ${key} must be a number >= ${min}; got ${JSON.stringify(v)}.`, {
        code: 'CONFIG_INVALID_VALIDATION_OPTION',
        context: { setting: key },
      });
    }
  }
  return merged;
}

/**
 * Parses the idempotency chunk selection as an operator writes it: `largest` (default), `all`, `none`, or a
 * comma-separated list of chunk indexes such as `0,3,7`.
 */
export function parseIdempotencyChunks(text: string | undefined, name = 'idempotency_chunks'): IdempotencyChunks {
  const value = (text ?? '').trim().toLowerCase();
  if (value === '') return DEFAULT_IDEMPOTENCY_CHUNKS;
  if (value === 'largest' || value === 'all' || value === 'none') return value;
  const parts = value.split(',').map((p) => p.trim());
  if (parts.every((p) => /^\d+$/.test(p))) return parts.map(Number);
  throw new ConfigError(
    `${name} must be "largest", "all", "none" or a comma-separated list of chunk indexes like "0,3"; got "${text}".`,
    { code: 'CONFIG_INVALID_VARIABLE', context: { variable: name } },
  );
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Mage / CLI variable → option. Values may arrive as strings ("3.5"). */
const VARIABLES: ReadonlyArray<[string, Exclude<keyof ValidationOptions, 'idempotencyChunks'>]> = [
  ['volumetry_empty_day_neighbours', 'emptyDayNeighbours'],
  ['volumetry_empty_day_min_median', 'emptyDayMinNeighbourMedian'],
  ['volumetry_outlier_neighbour_weeks', 'outlierNeighbourWeeks'],
  ['volumetry_outlier_z', 'outlierZ'],
  ['volumetry_outlier_min_deviation', 'outlierMinDeviation'],
  ['volumetry_min_days', 'volumetryMinDays'],
];

/** Reads the validation variables (all optional) of a block or CLI run; a bad value names its variable. */
export function validationOptionsFromVars(vars: Record<string, unknown>): ValidationOptions {
  const overrides: { -readonly [K in keyof ValidationOptions]?: ValidationOptions[K] } = {};
  for (const [name, key] of VARIABLES) {
    const raw = vars[name];
    if (isAbsent(raw)) continue;
    const value = toNumber(raw);
    if (value === undefined) {
      throw new ConfigError(`Variable ${name} must be a number; got ${JSON.stringify(raw)}.`, {
        code: 'CONFIG_INVALID_VARIABLE',
        context: { variable: name },
      });
    }
    overrides[key] = value;
  }
  const chunks = vars.idempotency_chunks;
  if (!isAbsent(chunks)) overrides.idempotencyChunks = parseIdempotencyChunks(String(chunks));
  return validationOptions(overrides);
}
