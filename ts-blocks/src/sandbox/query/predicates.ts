/** Turns parsed conditions into tests on a record, reading the compact index when the property is indexed. */
import type { Company, Payload } from '../generator/company';
import type { SandboxEntity } from '../options';
import { DAY_MS, parseTimeLiteral } from '../time';
import { validationFault } from './errors';
import { findField, readPath, type FieldDef } from './fields';
import type { Condition, Literal } from './parser';

export type Value = number | string | boolean | undefined;

/** Reads a record's value of a property; `payload()` builds (and caches) the payload only when needed. */
export function valueOf(company: Company, entity: SandboxEntity, def: FieldDef, i: number, payload: () => Payload): Value {
  const t = company.table(entity);
  switch (def.column) {
    case 'ids':
      return t.ids[i];
    case 'lastUpdated':
      return t.lastUpdated[i];
    case 'createTime':
      return t.createTime[i];
    case 'txnDay':
      return t.txnDay[i];
    case 'active':
      return t.active[i] === 1;
    default:
      return normalise(def, readPath(payload(), def.path));
  }
}

function normalise(def: FieldDef, v: unknown): Value {
  if (v === undefined || v === null) return undefined;
  if (def.type === 'datetime') return Date.parse(String(v)) / 1000;
  if (def.type === 'date') return Math.floor(Date.parse(String(v)) / DAY_MS);
  if (def.type === 'string') return String(v).toLowerCase();
  if (def.type === 'id' || def.type === 'number') return Number(v);
  return v as boolean;
}

export function resolveField(entity: SandboxEntity, path: string): FieldDef {
  const def = findField(entity, path);
  if (!def) throw validationFault(`Property ${path} not found for Entity ${entity}`);
  return def;
}

/** A literal converted to the property's type; datetimes become epoch seconds, dates day numbers. */
export function literalValue(def: FieldDef, lit: Literal, zone: string): Value {
  const bad = (): never => {
    throw validationFault(`Invalid value '${lit.text}' for property ${def.path} of type ${def.type}`);
  };
  switch (def.type) {
    case 'datetime':
    case 'date': {
      const parsed = parseTimeLiteral(lit.text, zone) ?? bad();
      return def.type === 'date' ? parsed.day : parsed.epochMs / 1000;
    }
    case 'bool':
      return lit.text.toLowerCase() === 'true' ? true : lit.text.toLowerCase() === 'false' ? false : bad();
    case 'id':
    case 'number': {
      const n = Number(lit.text);
      return Number.isFinite(n) ? n : bad();
    }
    default:
      return lit.text.toLowerCase();
  }
}

export interface CompiledCondition {
  readonly def: FieldDef;
  readonly condition: Condition;
  readonly values: readonly Value[];
  test(v: Value): boolean;
}

function likeRegex(pattern: string): RegExp {
  const body = pattern
    .split('%')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}

export function compileCondition(entity: SandboxEntity, c: Condition, zone: string): CompiledCondition {
  const def = resolveField(entity, c.field);
  if (c.op === 'LIKE') {
    if (def.type !== 'string') throw validationFault(`Operator LIKE is not supported for property ${def.path}`);
    const re = likeRegex(c.values[0].text.toLowerCase());
    return { def, condition: c, values: [], test: (v) => typeof v === 'string' && re.test(v) };
  }
  const values = c.values.map((lit) => literalValue(def, lit, zone));
  const x = values[0] as number | string | boolean;
  const tests: Record<string, (v: Value) => boolean> = {
    '=': (v) => v === x,
    '<': (v) => v !== undefined && v < x,
    '>': (v) => v !== undefined && v > x,
    '<=': (v) => v !== undefined && v <= x,
    '>=': (v) => v !== undefined && v >= x,
    IN: (v) => values.includes(v),
  };
  return { def, condition: c, values, test: tests[c.op] };
}

/** Bounds a range condition puts on an indexed numeric column: [lo, hi] with inclusivity. */
export interface Range {
  lo: number;
  loAfter: boolean;
  hi: number;
  hiInclusive: boolean;
}

export function rangeOf(conds: readonly CompiledCondition[], column: string): Range | undefined {
  let range: Range | undefined;
  for (const c of conds) {
    if (c.def.column !== column || c.condition.op === 'IN' || c.condition.op === 'LIKE') continue;
    range ??= { lo: -Infinity, loAfter: false, hi: Infinity, hiInclusive: true };
    const x = c.values[0] as number;
    const op = c.condition.op;
    if ((op === '>' || op === '>=' || op === '=') && (x > range.lo || (x === range.lo && op === '>'))) {
      range.lo = x;
      range.loAfter = op === '>';
    }
    if ((op === '<' || op === '<=' || op === '=') && (x < range.hi || (x === range.hi && op === '<'))) {
      range.hi = x;
      range.hiInclusive = op !== '<';
    }
  }
  return range;
}
