/**
 * SPEC §3 runtime variables, read once into a typed readonly object before any request is sent.
 * Mage passes strings ("true", "7") or typed values; both are accepted. Every problem is reported with the
 * variable's name and the accepted form; several problems are reported together in one ConfigError.
 */
import { ConfigError } from '../core/errors';
import { ENTITIES, type DateField, type Entity } from '../core/types';
import { isAbsent, toBoolean, toInteger, toNumber, toText } from './coerce';
import { ISO_ACCEPTED_FORM, isWholeUtcDay, parseIsoUtc } from './iso-time';

export const DEFAULT_CHUNK_DAYS = 7;
export const DEFAULT_PAGE_SIZE = 1000;
/** QBO rejects MAXRESULTS above 1000. */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_DATE_FIELD: DateField = 'last_updated';
export const DEFAULT_RESUME = true;
export const DEFAULT_FORCE = false;
/** A guard against a range cut into absurdly many windows (e.g. chunk_days=0.0001 over ten years). */
export const MAX_WINDOWS = 100_000;

export interface RunVariables {
  readonly entity: Entity;
  /** Inclusive start of the range (UTC). */
  readonly from: Date;
  /** Exclusive end of the range (UTC). */
  readonly to: Date;
  readonly chunkDays: number;
  readonly pageSize: number;
  readonly dateField: DateField;
  readonly resume: boolean;
  readonly force: boolean;
}

type Problems = Array<{ variable: string; message: string }>;

export function parseEntity(value: unknown): Entity {
  const text = toText(value)?.toLowerCase();
  const entity = ENTITIES.find((e) => e === text);
  if (!entity) {
    throw new ConfigError(`Variable entity must be one of ${ENTITIES.join(', ')} (got ${JSON.stringify(value ?? null)}).`, {
      code: 'CONFIG_INVALID_VARIABLE',
      context: { variable: 'entity' },
    });
  }
  return entity;
}

function readInstant(raw: Record<string, unknown>, name: string, problems: Problems): Date | undefined {
  const value = raw[name];
  if (isAbsent(value)) {
    problems.push({ variable: name, message: `${name} is required: ${ISO_ACCEPTED_FORM}.` });
    return undefined;
  }
  const text = toText(value);
  const date = text === undefined ? undefined : parseIsoUtc(text);
  if (!date) {
    problems.push({ variable: name, message: `${name} must be ${ISO_ACCEPTED_FORM} (got ${JSON.stringify(value)}).` });
    return undefined;
  }
  if (date.getTime() % 1000 !== 0) {
    problems.push({ variable: name, message: `${name} must be whole seconds: QBO compares timestamps to the second.` });
    return undefined;
  }
  return date;
}

function readWith<T>(
  raw: Record<string, unknown>,
  name: string,
  fallback: T,
  read: (v: unknown) => T | undefined,
  form: string,
  problems: Problems,
): T {
  const value = raw[name];
  if (isAbsent(value)) return fallback;
  const parsed = read(value);
  if (parsed === undefined) {
    problems.push({ variable: name, message: `${name} must be ${form} (got ${JSON.stringify(value)}).` });
    return fallback;
  }
  return parsed;
}

const readPageSize = (v: unknown) => {
  const n = toInteger(v);
  return n !== undefined && n >= 1 && n <= MAX_PAGE_SIZE ? n : undefined;
};
const readChunkDays = (v: unknown) => {
  const n = toNumber(v);
  // Windows are cut in whole seconds, so a fractional chunk must still be a whole number of seconds.
  return n !== undefined && n > 0 && Number.isInteger(Math.round(n * 86_400 * 1e6) / 1e6) ? n : undefined;
};
const readDateField = (v: unknown): DateField | undefined => {
  const t = toText(v)?.toLowerCase();
  return t === 'last_updated' || t === 'txn_date' ? t : undefined;
};

function checkCombination(vars: RunVariables, problems: Problems): void {
  if (vars.from.getTime() >= vars.to.getTime()) {
    problems.push({ variable: 'fecha_fin', message: 'fecha_fin must be after fecha_inicio (the range is [fecha_inicio, fecha_fin)).' });
  } else if ((vars.to.getTime() - vars.from.getTime()) / (vars.chunkDays * 86_400_000) > MAX_WINDOWS) {
    problems.push({ variable: 'chunk_days', message: `chunk_days is too small for this range: more than ${MAX_WINDOWS} windows.` });
  }
  if (vars.dateField !== 'txn_date') return;
  if (vars.entity !== 'invoices') {
    problems.push({ variable: 'date_field', message: `date_field txn_date is only available for invoices; use last_updated for ${vars.entity}.` });
  }
  if (!isWholeUtcDay(vars.from) || !isWholeUtcDay(vars.to)) {
    problems.push({ variable: 'date_field', message: 'date_field txn_date needs fecha_inicio and fecha_fin at midnight UTC (TxnDate is a date).' });
  }
  if (!Number.isInteger(vars.chunkDays)) {
    problems.push({ variable: 'chunk_days', message: 'chunk_days must be a whole number of days when date_field is txn_date.' });
  }
}

/** Reads and validates the runtime variables for one entity; throws one ConfigError listing every problem. */
export function parseVariables(raw: Record<string, unknown>, entity: Entity): RunVariables {
  const problems: Problems = [];
  const from = readInstant(raw, 'fecha_inicio', problems);
  const to = readInstant(raw, 'fecha_fin', problems);
  const vars = {
    entity,
    chunkDays: readWith(raw, 'chunk_days', DEFAULT_CHUNK_DAYS, readChunkDays, 'a positive number of days, e.g. 7 or 0.5', problems),
    pageSize: readWith(raw, 'page_size', DEFAULT_PAGE_SIZE, readPageSize, `an integer from 1 to ${MAX_PAGE_SIZE}`, problems),
    dateField: readWith(raw, 'date_field', DEFAULT_DATE_FIELD, readDateField, 'last_updated or txn_date', problems),
    resume: readWith(raw, 'resume', DEFAULT_RESUME, toBoolean, 'true or false', problems),
    force: readWith(raw, 'force', DEFAULT_FORCE, toBoolean, 'true or false', problems),
  };
  if (from && to) checkCombination({ ...vars, from, to }, problems);
  if (problems.length > 0 || !from || !to) throw variablesError(problems);
  return Object.freeze({ ...vars, from, to });
}

function variablesError(problems: Problems): ConfigError {
  const message =
    problems.length === 1
      ? `Invalid variable: ${problems[0]!.message}`
      : `${problems.length} invalid variables: ${problems.map((p) => p.message).join(' ')}`;
  return new ConfigError(message, {
    code: 'CONFIG_INVALID_VARIABLE',
    context: { variables: problems.map((p) => p.variable) },
  });
}
