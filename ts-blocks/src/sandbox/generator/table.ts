/**
 * A compact, columnar index of one entity's records: a few typed arrays per record (about 40 bytes), never the
 * generated payloads, which are rebuilt on demand from `seed` and `version`. Record index i is creation order, so
 * ids ascend with i. Two sorted orders answer range filters by binary search: by LastUpdatedTime and by TxnDate.
 * Records written through the API are appended (the arrays grow) and keep the body they were written with.
 */
import type { SandboxEntity } from '../options';
import type { Payload } from './common';

export interface TableColumns {
  readonly ids: Int32Array;
  /** Epoch seconds. */
  readonly createTime: Uint32Array;
  readonly lastUpdated: Uint32Array;
  /** Days since 1970-01-01 (Invoice TxnDate; 0 for name lists). */
  readonly txnDay: Int32Array;
  readonly active: Uint8Array;
  /** SyncToken. */
  readonly version: Uint32Array;
  readonly seed: Uint32Array;
}

/** Zeroed columns for `count` records (every record inactive until set). */
export function emptyColumns(count: number): { -readonly [K in keyof TableColumns]: TableColumns[K] } {
  return {
    ids: new Int32Array(count),
    createTime: new Uint32Array(count),
    lastUpdated: new Uint32Array(count),
    txnDay: new Int32Array(count),
    active: new Uint8Array(count),
    version: new Uint32Array(count),
    seed: new Uint32Array(count),
  };
}

/** A record created through the API (SyncToken 0). */
export interface NewRow {
  readonly id: number;
  readonly createSec: number;
  readonly txnDay: number;
  readonly active: boolean;
  readonly body: Payload;
}

type Column = Int32Array | Uint32Array | Uint8Array;

function grown<T extends Column>(a: T, capacity: number): T {
  const b = new (a.constructor as new (n: number) => T)(capacity);
  b.set(a);
  return b;
}

/**
 * The arrays below are replaced when the table grows: index them through the table, never keep one.
 * Entries at and past `size` are spare capacity.
 */
export class EntityTable {
  ids: Int32Array;
  createTime: Uint32Array;
  lastUpdated: Uint32Array;
  txnDay: Int32Array;
  active: Uint8Array;
  version: Uint32Array;
  seed: Uint32Array;
  /** Epoch seconds of deletion, 0 while the record exists. */
  deletedAt: Uint32Array;
  /** Record indexes sorted by (lastUpdated, index). */
  byUpdated: Int32Array;
  /** Record indexes sorted by (txnDay, index). */
  byTxnDay: Int32Array;
  /** Records generated at start-up (indexes below it); their payloads come from the generator unless written. */
  readonly generated: number;
  /** The body a record was last written with through the API (Id, SyncToken, MetaData are the columns'). */
  readonly written = new Map<number, Payload>();
  /** Whether CreateTime still ascends with the record index (false once the clock went back before a create). */
  createOrdered = true;
  private count: number;

  constructor(readonly entity: SandboxEntity, columns: TableColumns) {
    this.ids = columns.ids;
    this.createTime = columns.createTime;
    this.lastUpdated = columns.lastUpdated;
    this.txnDay = columns.txnDay;
    this.active = columns.active;
    this.version = columns.version;
    this.seed = columns.seed;
    this.count = columns.ids.length;
    this.generated = this.count;
    this.deletedAt = new Uint32Array(this.count);
    this.byUpdated = sortedOrder(this.lastUpdated);
    this.byTxnDay = sortedOrder(this.txnDay);
  }

  get size(): number {
    return this.count;
  }

  exists(i: number): boolean {
    return this.deletedAt[i] === 0;
  }

  /** Record index of an Id, or -1. */
  indexOfId(id: number): number {
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.ids[mid];
      if (v === id) return mid;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The Id the next created record gets (ids only ascend). */
  nextId(): number {
    return this.size === 0 ? 1 : this.ids[this.size - 1] + 1;
  }

  /** First position in `byUpdated` whose lastUpdated >= sec (or > sec when `after`). */
  updatedBound(sec: number, after: boolean): number {
    return bound(this.byUpdated, this.lastUpdated, sec, after, this.size);
  }

  txnDayBound(day: number, after: boolean): number {
    return bound(this.byTxnDay, this.txnDay, day, after, this.size);
  }

  /** A new version of record i, stamped `sec` (keeps `byUpdated` sorted). */
  touch(i: number, sec: number): void {
    move(this.byUpdated, this.lastUpdated, i, sec, this.size);
    this.version[i] += 1;
  }

  /** Changes record i's TxnDate (keeps `byTxnDay` sorted). */
  setTxnDay(i: number, day: number): void {
    move(this.byTxnDay, this.txnDay, i, day, this.size);
  }

  /** Appends a record created at `row.createSec` (SyncToken 0, LastUpdatedTime = CreateTime); returns its index. */
  append(row: NewRow): number {
    if (this.size > 0 && row.id <= this.ids[this.size - 1]) throw new RangeError(`Id ${row.id} does not ascend`);
    if (this.count === this.ids.length) this.grow(Math.max(16, this.count * 2));
    const i = this.count++;
    if (i > 0 && row.createSec < this.createTime[i - 1]) this.createOrdered = false;
    this.ids[i] = row.id;
    this.createTime[i] = row.createSec;
    this.active[i] = row.active ? 1 : 0;
    insert(this.byUpdated, this.lastUpdated, i, row.createSec, this.count);
    insert(this.byTxnDay, this.txnDay, i, row.txnDay, this.count);
    this.written.set(i, row.body);
    return i;
  }

  private grow(capacity: number): void {
    this.ids = grown(this.ids, capacity);
    this.createTime = grown(this.createTime, capacity);
    this.lastUpdated = grown(this.lastUpdated, capacity);
    this.txnDay = grown(this.txnDay, capacity);
    this.active = grown(this.active, capacity);
    this.version = grown(this.version, capacity);
    this.seed = grown(this.seed, capacity);
    this.deletedAt = grown(this.deletedAt, capacity);
    this.byUpdated = grown(this.byUpdated, capacity);
    this.byTxnDay = grown(this.byTxnDay, capacity);
  }
}

/** Indexes 0..n-1 sorted by (key, index), via one numeric sort of packed keys when they fit in a double. */
function sortedOrder(key: Uint32Array | Int32Array): Int32Array {
  const n = key.length;
  const order = new Int32Array(n);
  let shift = 1;
  while (shift < n) shift *= 2;
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, Math.abs(key[i]));
  if ((max + 1) * shift < Number.MAX_SAFE_INTEGER && key.every((v) => v >= 0)) {
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = key[i] * shift + i;
    packed.sort();
    for (let i = 0; i < n; i++) order[i] = packed[i] % shift;
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((a, b) => key[a] - key[b] || a - b);
}

/** First position p < n of `order` whose key >= value (> value when `after`). */
function bound(order: Int32Array, key: ArrayLike<number>, value: number, after: boolean, n: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = key[order[mid]];
    if (v < value || (after && v === value)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Record i (already in the first n entries of `order`) moves to key `value`, keeping (key, index) order. */
function move(order: Int32Array, key: Uint32Array | Int32Array, i: number, value: number, n: number): void {
  let from = bound(order, key, key[i], false, n);
  while (order[from] !== i) from++;
  order.copyWithin(from, from + 1, n);
  key[i] = value;
  let to = bound(order, key, value, false, n - 1);
  while (to < n - 1 && key[order[to]] === value && order[to] < i) to++;
  order.copyWithin(to + 1, to, n - 1);
  order[to] = i;
}

/** Record i, the newest (highest index), joins the first n - 1 entries of `order` at key `value`. */
function insert(order: Int32Array, key: Uint32Array | Int32Array, i: number, value: number, n: number): void {
  key[i] = value;
  const to = bound(order, key, value, true, n - 1);
  order.copyWithin(to + 1, to, n - 1);
  order[to] = i;
}
