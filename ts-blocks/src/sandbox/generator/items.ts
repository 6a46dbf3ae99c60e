/** Products and services: a compact index at start-up, payloads rebuilt on demand. */
import { Rng, hash32 } from '../random';
import { EntityTable, emptyColumns } from './table';
import type { Timeline } from './timeline';
import { EXPENSE_ACCOUNTS, INCOME_ACCOUNTS, ITEM_ADJECTIVES, ITEM_NOUNS } from './names';
import { DELETED_SUFFIX, creationTimes, metaData, money, uniqueNames, type Payload } from './common';

export type ItemType = 'Service' | 'Inventory' | 'NonInventory' | 'Category';
const TYPES: readonly ItemType[] = ['Service', 'Inventory', 'NonInventory', 'Category'];

export interface ItemIndex {
  readonly table: EntityTable;
  readonly names: string[];
  /** Index into TYPES. */
  readonly types: Uint8Array;
}

function pickType(rng: Rng, i: number): number {
  if (i === 0) return 0;
  const r = rng.next();
  return r < 0.5 ? 0 : r < 0.75 ? 1 : r < 0.95 ? 2 : 3;
}

export function buildItems(seed: number, count: number, timeline: Timeline): ItemIndex {
  const rng = new Rng(hash32(seed, 0x17e35));
  const created = creationTimes(rng, count, () => timeline.sample(rng), timeline.startMs, 0.5);
  const cols = emptyColumns(count);
  const types = new Uint8Array(count);
  const raw: string[] = [];
  for (let i = 0; i < count; i++) {
    cols.ids[i] = i + 1;
    cols.seed[i] = rng.seed();
    types[i] = pickType(rng, i);
    let updated = created[i];
    let version = 0;
    if (rng.chance(0.4)) {
      updated = timeline.later(rng, updated, 90);
      version += rng.range(1, 4);
    }
    const active = i === 0 || !rng.chance(0.15);
    if (!active) {
      updated = timeline.later(rng, updated, 150);
      version += 1;
    }
    cols.active[i] = active ? 1 : 0;
    cols.createTime[i] = Math.floor(created[i] / 1000);
    cols.lastUpdated[i] = Math.floor(updated / 1000);
    cols.version[i] = version;
    const naming = new Rng(hash32(cols.seed[i], 1));
    raw.push(`${naming.pick(ITEM_ADJECTIVES)}${naming.pick(ITEM_NOUNS)}`);
  }
  return { table: new EntityTable('Item', cols), names: uniqueNames(raw, cols.ids), types };
}

export function itemType(index: ItemIndex, i: number): ItemType {
  return TYPES[index.types[i]];
}

/** List price in cents at version 0 (invoices start from it). */
export function itemBasePriceCents(index: ItemIndex, i: number): number {
  const rng = new Rng(hash32(index.table.seed[i], 2));
  return rng.chance(0.5) ? rng.range(5, 300) * 100 : rng.range(100, 250_000);
}

export function itemTaxable(index: ItemIndex, i: number): boolean {
  return new Rng(hash32(index.table.seed[i], 3)).chance(0.6) && itemType(index, i) !== 'Service';
}

export function itemPayload(index: ItemIndex, i: number, zone: string): Payload {
  const t = index.table;
  const type = itemType(index, i);
  const active = t.active[i] === 1;
  const name = index.names[i] + (active ? '' : DELETED_SUFFIX);
  const common = {
    Id: String(t.ids[i]),
    SyncToken: String(t.version[i]),
    Name: name,
    FullyQualifiedName: name,
    Active: active,
    Type: type,
  };
  const tail = { MetaData: metaData(t.createTime[i], t.lastUpdated[i], zone), domain: 'QBO', sparse: false };
  if (type === 'Category') return { ...common, SubItem: false, Level: 0, ...tail };
  const rng = new Rng(hash32(t.seed[i], 4));
  const price = Math.round(itemBasePriceCents(index, i) * (1 + 0.03 * t.version[i]));
  const income = rng.pick(INCOME_ACCOUNTS);
  const expense = rng.pick(EXPENSE_ACCOUNTS);
  const inventory = type === 'Inventory';
  return {
    ...common,
    Description: `${index.names[i]} — ${type === 'Service' ? 'per hour' : 'each'}`,
    UnitPrice: money(price),
    PurchaseCost: type === 'Service' ? 0 : money(price * 0.55),
    Taxable: itemTaxable(index, i),
    TrackQtyOnHand: inventory,
    ...(inventory ? { QtyOnHand: new Rng(hash32(t.seed[i], 5, t.version[i])).int(500) } : {}),
    IncomeAccountRef: { value: income[0], name: income[1] },
    ...(type === 'Service' ? {} : { ExpenseAccountRef: { value: expense[0], name: expense[1] } }),
    ...tail,
  };
}
