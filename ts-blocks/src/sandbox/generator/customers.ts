/** Customers and sub-customers (jobs): a compact index at start-up, payloads rebuilt on demand. */
import { Rng, hash32 } from '../random';
import { EntityTable, emptyColumns } from './table';
import type { Timeline } from './timeline';
import { COMPANY_KINDS, COMPANY_SUFFIXES, COMPANY_WORDS, FAMILY_NAMES, GIVEN_NAMES, JOB_NAMES } from './names';
import { DELETED_SUFFIX, USD, address, creationTimes, emailLocal, metaData, money, uniqueNames, type Payload } from './common';

export interface CustomerIndex {
  readonly table: EntityTable;
  /** Unique DisplayName per record (without the " (deleted)" suffix). */
  readonly names: string[];
  /** Parent record index for jobs, -1 for top-level customers. */
  readonly parent: Int32Array;
}

interface Identity {
  readonly given?: string;
  readonly family?: string;
  readonly company?: string;
  readonly display: string;
}

function identity(seed: number, isJob: boolean): Identity {
  const rng = new Rng(hash32(seed, 1));
  if (isJob) return { display: rng.pick(JOB_NAMES) };
  const given = rng.pick(GIVEN_NAMES);
  const family = rng.pick(FAMILY_NAMES);
  if (rng.chance(0.4)) return { given, family, display: `${given} ${family}` };
  const company = `${rng.pick(COMPANY_WORDS)} ${rng.pick(COMPANY_KINDS)}${rng.pick(COMPANY_SUFFIXES)}`;
  return { given, family, company, display: company };
}

export function buildCustomers(seed: number, count: number, timeline: Timeline): CustomerIndex {
  const rng = new Rng(hash32(seed, 0xc0575));
  const created = creationTimes(rng, count, () => timeline.sample(rng), timeline.startMs, 0.25);
  const cols = emptyColumns(count);
  const parent = new Int32Array(count).fill(-1);
  const raw: string[] = [];
  for (let i = 0; i < count; i++) {
    cols.ids[i] = i + 1;
    cols.seed[i] = rng.seed();
    if (i > 3 && rng.chance(0.15)) {
      const p = rng.int(i);
      parent[i] = parent[p] >= 0 ? parent[p] : p;
    }
    let updated = created[i];
    let version = 0;
    if (rng.chance(0.3)) {
      updated = timeline.later(rng, updated, 60);
      version += rng.range(1, 3);
    }
    const parentInactive = parent[i] >= 0 && cols.active[parent[i]] === 0;
    const active = !parentInactive && !rng.chance(0.13);
    if (!active) {
      updated = timeline.later(rng, updated, 120);
      version += 1;
    }
    cols.active[i] = active ? 1 : 0;
    cols.createTime[i] = Math.floor(created[i] / 1000);
    cols.lastUpdated[i] = Math.floor(updated / 1000);
    cols.version[i] = version;
    raw.push(identity(cols.seed[i], parent[i] >= 0).display);
  }
  return { table: new EntityTable('Customer', cols), names: uniqueNames(raw, cols.ids), parent };
}

function fullName(index: CustomerIndex, i: number): string {
  const p = index.parent[i];
  return p >= 0 ? `${fullName(index, p)}:${index.names[i]}` : index.names[i];
}

export function customerPayload(index: CustomerIndex, i: number, zone: string): Payload {
  const t = index.table;
  const seed = t.seed[i];
  const id = String(t.ids[i]);
  const isJob = index.parent[i] >= 0;
  const who = identity(seed, isJob);
  const rng = new Rng(hash32(seed, 2));
  const active = t.active[i] === 1;
  const suffix = active ? '' : DELETED_SUFFIX;
  const bill = address(hash32(seed, 3), String(t.ids[i] * 2));
  const taxable = rng.chance(0.7);
  const byVersion = new Rng(hash32(seed, 4, t.version[i]));
  const balance = byVersion.chance(0.6) ? byVersion.int(500_000) : 0;
  const base = index.names[i];
  return {
    Id: id,
    SyncToken: String(t.version[i]),
    ...(who.given ? { GivenName: who.given, FamilyName: who.family } : {}),
    ...(who.company ? { CompanyName: who.company } : {}),
    DisplayName: base + suffix,
    FullyQualifiedName: fullName(index, i) + suffix,
    PrintOnCheckName: who.company ?? base,
    PrimaryEmailAddr: { Address: `${emailLocal(base, `customer${id}`)}@example.com` },
    PrimaryPhone: { FreeFormNumber: `(${rng.range(200, 989)}) 555-${String(rng.int(10000)).padStart(4, '0')}` },
    BillAddr: bill,
    ShipAddr: rng.chance(0.7) ? { ...bill, Id: String(t.ids[i] * 2 + 1) } : address(hash32(seed, 5), String(t.ids[i] * 2 + 1)),
    Taxable: taxable,
    Job: isJob,
    BillWithParent: isJob && rng.chance(0.5),
    ...(isJob ? { ParentRef: { value: String(t.ids[index.parent[i]]) }, Level: depth(index, i) } : {}),
    Balance: money(balance),
    BalanceWithJobs: money(balance),
    CurrencyRef: USD,
    PreferredDeliveryMethod: rng.pick(['Print', 'Email', 'None']),
    Active: active,
    MetaData: metaData(t.createTime[i], t.lastUpdated[i], zone),
    domain: 'QBO',
    sparse: false,
  };
}

function depth(index: CustomerIndex, i: number): number {
  return index.parent[i] >= 0 ? 1 + depth(index, index.parent[i]) : 0;
}

/** Whether invoices may use this customer as a taxable one (stable across versions). */
export function customerTaxable(index: CustomerIndex, i: number): boolean {
  return new Rng(hash32(index.table.seed[i], 2)).chance(0.7);
}
