/**
 * Runs a parsed query against the company. Range filters on LastUpdatedTime / TxnDate are answered by binary
 * search on the sorted orders; a page is found by walking that order, so a page costs O(skip + page), not a sort.
 * QBO surprises reproduced here: Customer/Item return only active rows unless the query filters on Active;
 * STARTPOSITION is 1-based (0 is read as 1); MAXRESULTS defaults to 100 and may not exceed 1000.
 */
import type { Company, Payload } from '../generator/company';
import type { EntityTable } from '../generator/table';
import { SANDBOX_ENTITIES, type SandboxEntity } from '../options';
import { parseFault, validationFault } from './errors';
import { isSelectable, type FieldDef } from './fields';
import type { ParsedQuery } from './parser';
import { compileCondition, rangeOf, resolveField, valueOf, type CompiledCondition, type Value } from './predicates';

export const DEFAULT_MAX_RESULTS = 100;
export const MAX_RESULTS_LIMIT = 1000;

export type QueryResult =
  | { readonly count: true; readonly entity: SandboxEntity; readonly total: number }
  /** `indexes`: the page's records, as rows of the company's table (company.payload / payloadBytes render them). */
  | { readonly count: false; readonly entity: SandboxEntity; readonly startPosition: number; readonly indexes: number[] };

export function canonicalEntity(name: string): SandboxEntity {
  const entity = SANDBOX_ENTITIES.find((e) => e.toLowerCase() === name.toLowerCase());
  if (!entity) throw parseFault(`Invalid entity name: ${name}`);
  return entity;
}

interface Source {
  readonly order?: Int32Array;
  readonly from: number;
  readonly to: number;
  readonly desc: boolean;
}

/** Calls `visit` for each record index of the source, in order, until it returns false. */
function walk(s: Source, visit: (i: number) => boolean | void): void {
  const { order, from, to, desc } = s;
  for (let k = 0; k < to - from; k++) {
    const p = desc ? to - 1 - k : from + k;
    if (visit(order ? order[p] : p) === false) return;
  }
}

/** Where to walk: the order that streams the requested sort, or (to collect then sort) the narrowest range. */
function sourceFor(table: EntityTable, conds: readonly CompiledCondition[], column: Column | undefined, desc: boolean): Source {
  const lut = rangeOf(conds, 'lastUpdated');
  const txn = rangeOf(conds, 'txnDay');
  const pick = column ?? (lut ? 'lastUpdated' : txn ? 'txnDay' : 'ids');
  if (pick === 'lastUpdated') {
    const from = lut ? table.updatedBound(lut.lo, lut.loAfter) : 0;
    const to = lut ? table.updatedBound(lut.hi, lut.hiInclusive) : table.size;
    return { order: table.byUpdated, from, to: Math.max(from, to), desc };
  }
  if (pick === 'txnDay') {
    const from = txn ? table.txnDayBound(txn.lo, txn.loAfter) : 0;
    const to = txn ? table.txnDayBound(txn.hi, txn.hiInclusive) : table.size;
    return { order: table.byTxnDay, from, to: Math.max(from, to), desc };
  }
  return { from: 0, to: table.size, desc }; // record order = Id order = CreateTime order
}

type Column = 'ids' | 'lastUpdated' | 'txnDay';

interface Ordering {
  readonly defs: readonly FieldDef[];
  readonly desc: readonly boolean[];
  /** The source already yields this order (an indexed first key, optionally then Id in the same direction). */
  readonly streamed: boolean;
  readonly column?: Column;
}

function ordering(entity: SandboxEntity, q: ParsedQuery, table: EntityTable): Ordering {
  const terms = q.orderBy.length > 0 ? q.orderBy : [{ field: 'Id', desc: false }];
  const defs = terms.map((t) => resolveField(entity, t.field));
  const desc = terms.map((t) => t.desc);
  const first = defs[0].column;
  const idTail = defs.length === 1 || (defs.length === 2 && defs[1].column === 'ids' && desc[1] === desc[0]);
  const column: Column | undefined =
    first === 'lastUpdated' || first === 'txnDay'
      ? first
      : first === 'ids' || (first === 'createTime' && table.createOrdered) // Id order is CreateTime order unless the clock went back
        ? 'ids'
        : undefined;
  return { defs, desc, streamed: column !== undefined && idTail, column };
}

export function executeQuery(company: Company, q: ParsedQuery, literalZone: string): QueryResult {
  const entity = canonicalEntity(q.entity);
  const table = company.table(entity);
  // QBO checks the properties a select list names, then answers every property of each record anyway
  // ("projections are not supported": Intuit's query-operations documentation).
  const unknown = q.select.find((path) => !isSelectable(entity, path));
  if (unknown !== undefined) throw validationFault(`Property ${unknown} not found for Entity ${entity}`);
  const conds = q.where.map((c) => compileCondition(entity, c, literalZone));
  const hasActive = conds.some((c) => c.def.column === 'active');
  const defaultActive = entity !== 'Invoice' && !hasActive;
  const order = ordering(entity, q, table);
  const maxResults = q.maxResults ?? DEFAULT_MAX_RESULTS;
  if (!q.count && maxResults > MAX_RESULTS_LIMIT) {
    throw validationFault(`value ${maxResults} is too large. Max allowed value is ${MAX_RESULTS_LIMIT}`);
  }
  if (!q.count && maxResults < 1) throw validationFault(`value ${maxResults} is too small. Min allowed value is 1`);
  const indexed = conds.filter((c) => c.def.column !== undefined);
  const others = conds.filter((c) => c.def.column === undefined);
  const noPayload = (): Payload => {
    throw new Error('indexed property read from payload');
  };
  const matches = (i: number): boolean => {
    if (table.deletedAt[i] !== 0 || (defaultActive && table.active[i] !== 1)) return false;
    for (let k = 0; k < indexed.length; k++) {
      if (!indexed[k].test(valueOf(company, entity, indexed[k].def, i, noPayload))) return false;
    }
    if (others.length === 0) return true;
    let payload: Payload | undefined;
    const build = (): Payload => (payload ??= company.payload(entity, i));
    return others.every((c) => c.test(valueOf(company, entity, c.def, i, build)));
  };
  const source = order.streamed ? sourceFor(table, conds, order.column, order.desc[0]) : sourceFor(table, conds, undefined, false);
  if (q.count) {
    let total = 0;
    walk(sourceFor(table, conds, undefined, false), (i) => {
      if (matches(i)) total++;
    });
    return { count: true, entity, total };
  }
  const skip = Math.max(1, q.startPosition ?? 1) - 1;
  const picked = order.streamed ? pageFromStream(source, matches, skip, maxResults) : pageBySort(company, entity, source, matches, order, skip, maxResults);
  return { count: false, entity, startPosition: skip + 1, indexes: picked };
}

function pageFromStream(s: Source, matches: (i: number) => boolean, skip: number, max: number): number[] {
  const out: number[] = [];
  let seen = 0;
  walk(s, (i) => {
    if (!matches(i)) return true;
    if (seen++ >= skip) out.push(i);
    return out.length < max;
  });
  return out;
}

function pageBySort(
  company: Company, entity: SandboxEntity, s: Source, matches: (i: number) => boolean,
  order: Ordering, skip: number, max: number,
): number[] {
  const all: number[] = [];
  walk(s, (i) => {
    if (matches(i)) all.push(i);
  });
  const keys = new Map<number, Value[]>();
  for (const i of all) {
    let payload: Payload | undefined;
    keys.set(i, order.defs.map((d) => valueOf(company, entity, d, i, () => (payload ??= company.payload(entity, i)))));
  }
  all.sort((a, b) => {
    const ka = keys.get(a) as Value[];
    const kb = keys.get(b) as Value[];
    for (let k = 0; k < ka.length; k++) {
      const c = compare(ka[k], kb[k]);
      if (c !== 0) return order.desc[k] ? -c : c;
    }
    return a - b;
  });
  return all.slice(skip, skip + max);
}

function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return a < b ? -1 : 1;
}
