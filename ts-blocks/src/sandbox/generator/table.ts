/**
 * A compact, columnar index of one entity's records: a few typed arrays per record (about 40 bytes), never the
 * payloads, which are rebuilt on demand from `seed` and `version`. Record index i is creation order, so ids
 * ascend with i. Two sorted orders answer range filters by binary search: by LastUpdatedTime and by TxnDate.
 */
import type { SandboxEntity } from '../options';

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

export class EntityTable {
  readonly ids: Int32Array;
  readonly createTime: Uint32Array;
  readonly lastUpdated: Uint32Array;
  readonly txnDay: Int32Array;
  readonly active: Uint8Array;
  readonly version: Uint32Array;
  readonly seed: Uint32Array;
  /** Epoch seconds of deletion, 0 while the record exists. */
  readonly deletedAt: Uint32Array;
  /** Record indexes sorted by (lastUpdated, index). */
  readonly byUpdated: Int32Array;
  /** Record indexes sorted by (txnDay, index). */
  readonly byTxnDay: Int32Array;

  constructor(readonly entity: SandboxEntity, columns: TableColumns) {
    this.ids = columns.ids;
    this.createTime = columns.createTime;
    this.lastUpdated = columns.lastUpdated;
    this.txnDay = columns.txnDay;
    this.active = columns.active;
    this.version = columns.version;
    this.seed = columns.seed;
    this.deletedAt = new Uint32Array(this.size);
    this.byUpdated = sortedOrder(this.lastUpdated);
    this.byTxnDay = sortedOrder(this.txnDay);
  }

  get size(): number {
    return this.ids.length;
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

  /** First position in `byUpdated` whose lastUpdated >= sec (or > sec when `after`). */
  updatedBound(sec: number, after: boolean): number {
    return bound(this.byUpdated, this.lastUpdated, sec, after);
  }

  txnDayBound(day: number, after: boolean): number {
    return bound(this.byTxnDay, this.txnDay, day, after);
  }

  /** A new version of record i, stamped `sec` (keeps `byUpdated` sorted). */
  touch(i: number, sec: number): void {
    const from = positionIn(this.byUpdated, this.lastUpdated, i);
    this.byUpdated.copyWithin(from, from + 1);
    this.lastUpdated[i] = sec;
    const n = this.size - 1;
    let to = bound(this.byUpdated.subarray(0, n), this.lastUpdated, sec, false);
    while (to < n && this.lastUpdated[this.byUpdated[to]] === sec && this.byUpdated[to] < i) to++;
    this.byUpdated.copyWithin(to + 1, to, n);
    this.byUpdated[to] = i;
    this.version[i] += 1;
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

function bound(order: Int32Array, key: ArrayLike<number>, value: number, after: boolean): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = key[order[mid]];
    if (v < value || (after && v === value)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function positionIn(order: Int32Array, key: ArrayLike<number>, i: number): number {
  let p = bound(order, key, key[i], false);
  while (order[p] !== i) p++;
  return p;
}
