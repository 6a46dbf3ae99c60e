/** The columnar table grows for written records and keeps its sorted orders exact through appends and changes. */
import { EntityTable, emptyColumns } from '../../src/sandbox/generator/table';
import { Rng } from '../../src/sandbox/random';

function generated(n: number, rng: Rng): EntityTable {
  const cols = emptyColumns(n);
  for (let i = 0; i < n; i++) {
    cols.ids[i] = 100 + 2 * i;
    cols.createTime[i] = 1_000_000 + i * 10;
    cols.lastUpdated[i] = cols.createTime[i] + rng.int(5000);
    cols.txnDay[i] = 19_000 + rng.int(400);
    cols.active[i] = 1;
  }
  return new EntityTable('Invoice', cols);
}

function expectSorted(t: EntityTable): void {
  const all = Array.from({ length: t.size }, (_, i) => i);
  const by = (key: ArrayLike<number>) => [...all].sort((a, b) => key[a] - key[b] || a - b);
  expect(Array.from(t.byUpdated.subarray(0, t.size))).toEqual(by(t.lastUpdated));
  expect(Array.from(t.byTxnDay.subarray(0, t.size))).toEqual(by(t.txnDay));
}

test('appends (some created "in the past"), touches and TxnDate moves keep both orders exactly sorted', () => {
  const rng = new Rng(7);
  const t = generated(500, rng);
  for (let k = 0; k < 3000; k++) {
    const r = rng.next();
    if (r < 0.4) {
      const createSec = rng.chance(0.2) ? 900_000 + rng.int(100_000) : 1_010_000 + k;
      t.append({ id: t.nextId(), createSec, txnDay: 19_000 + rng.int(500), active: true, body: { k } });
    } else if (r < 0.8) t.touch(rng.int(t.size), 1_000_000 + rng.int(50_000));
    else t.setTxnDay(rng.int(t.size), 18_900 + rng.int(700));
  }
  expectSorted(t);
  expect(t.generated).toBe(500);
  expect(t.size).toBeGreaterThan(1500);
  expect(t.createOrdered).toBe(false);
  for (let i = 0; i < t.size; i += 37) expect(t.indexOfId(t.ids[i])).toBe(i);
  expect(t.written.get(t.size - 1)).toBeDefined();
  expect(t.updatedBound(1_000_000, false)).toBe(
    Array.from(t.byUpdated.subarray(0, t.size)).findIndex((i) => t.lastUpdated[i] >= 1_000_000),
  );
});

test('an appended record starts at SyncToken 0 with LastUpdatedTime = CreateTime; Ids must ascend', () => {
  const t = generated(3, new Rng(1));
  const i = t.append({ id: t.nextId(), createSec: 2_000_000, txnDay: 19_500, active: false, body: {} });
  expect([t.ids[i], t.version[i], t.lastUpdated[i], t.createTime[i], t.active[i], t.deletedAt[i]]).toEqual([105, 0, 2_000_000, 2_000_000, 0, 0]);
  expect(t.createOrdered).toBe(true);
  expect(() => t.append({ id: 105, createSec: 2_000_001, txnDay: 0, active: true, body: {} })).toThrow(/does not ascend/);
});
