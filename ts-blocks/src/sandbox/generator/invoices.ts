/**
 * Invoices: a compact index at start-up (creation, TxnDate, updates), payloads rebuilt on demand. Each invoice
 * references a generated customer and items that existed when it was created (never one written later through
 * the API, so a write never changes another record); line counts are heavy-tailed (1 to 400).
 */
import { Rng, hash32 } from '../random';
import { dayToDate, zonedDay } from '../time';
import { EntityTable, emptyColumns } from './table';
import type { Timeline } from './timeline';
import type { CustomerIndex } from './customers';
import { customerTaxable } from './customers';
import { itemBasePriceCents, itemTaxable, itemType, type ItemIndex } from './items';
import { USD, address, countAtOrBefore, creationTimes, metaData, money, type Payload } from './common';

const TAX_RATE = 0.0825;
const MAX_LINES = 400;

export function buildInvoices(seed: number, count: number, timeline: Timeline, zone: string): EntityTable {
  const rng = new Rng(hash32(seed, 0x1a701ce));
  const created = creationTimes(rng, count, () => timeline.sample(rng), timeline.startMs, 0);
  const cols = emptyColumns(count);
  cols.active.fill(1);
  let id = 100;
  for (let i = 0; i < count; i++) {
    id += rng.chance(0.3) ? rng.range(2, 4) : 1; // other transactions take ids too
    cols.ids[i] = id;
    cols.seed[i] = rng.seed();
    let day = zonedDay(created[i], zone);
    const r = rng.next();
    if (r < 0.15) day -= rng.range(1, 30); // entered late, dated back
    else if (r < 0.18) day += rng.range(1, 7); // post-dated
    cols.txnDay[i] = day;
    let updated = created[i];
    let version = 0;
    if (rng.chance(0.5)) [updated, version] = [timeline.later(rng, updated, 1), version + 1]; // sent
    if (rng.chance(0.35)) [updated, version] = [timeline.later(rng, updated, 25), version + 1]; // paid
    if (rng.chance(0.05)) [updated, version] = [timeline.later(rng, updated, 300), version + 1]; // corrected
    cols.createTime[i] = Math.floor(created[i] / 1000);
    cols.lastUpdated[i] = Math.floor(updated / 1000);
    cols.version[i] = version;
  }
  return new EntityTable('Invoice', cols);
}

/** Picks, among the first `k` records, one skewed toward the oldest (long-standing customers buy more). */
function skewedPick(rng: Rng, k: number): number {
  const u = rng.next();
  return Math.min(k - 1, Math.floor(k * u * u));
}

function pickItem(rng: Rng, items: ItemIndex, createdSec: number): number {
  const k = Math.max(1, countAtOrBefore(items.table.createTime, createdSec, items.table.generated));
  for (let tries = 0; tries < 6; tries++) {
    const i = skewedPick(rng, k);
    if (itemType(items, i) !== 'Category') return i;
  }
  return 0; // item 0 is always a Service
}

export interface InvoiceContext {
  readonly invoices: EntityTable;
  readonly customers: CustomerIndex;
  readonly items: ItemIndex;
  readonly zone: string;
}

/** Record index of the invoice's customer (stable across versions). */
export function invoiceCustomer(ctx: InvoiceContext, i: number): number {
  const rng = new Rng(hash32(ctx.invoices.seed[i], 1));
  const k = Math.max(1, countAtOrBefore(ctx.customers.table.createTime, ctx.invoices.createTime[i], ctx.customers.table.generated));
  return skewedPick(rng, k);
}

function salesLines(ctx: InvoiceContext, i: number, taxableCustomer: boolean): { lines: Payload[]; sub: number; taxable: number } {
  const rng = new Rng(hash32(ctx.invoices.seed[i], 2));
  const count = rng.pareto(1.25, MAX_LINES);
  const lines: Payload[] = [];
  let sub = 0;
  let taxable = 0;
  for (let n = 1; n <= count; n++) {
    const item = pickItem(rng, ctx.items, ctx.invoices.createTime[i]);
    const qty = rng.chance(0.6) ? 1 : rng.range(2, 40);
    const price = Math.max(1, Math.round(itemBasePriceCents(ctx.items, item) * (0.9 + rng.next() * 0.2)));
    const amount = qty * price;
    const taxed = taxableCustomer && itemTaxable(ctx.items, item);
    sub += amount;
    if (taxed) taxable += amount;
    lines.push({
      Id: String(n),
      LineNum: n,
      Description: ctx.items.names[item],
      Amount: money(amount),
      DetailType: 'SalesItemLineDetail',
      SalesItemLineDetail: {
        ItemRef: { value: String(ctx.items.table.ids[item]), name: ctx.items.names[item] },
        Qty: qty,
        UnitPrice: money(price),
        TaxCodeRef: { value: taxed ? 'TAX' : 'NON' },
      },
    });
  }
  return { lines, sub, taxable };
}

export function invoicePayload(ctx: InvoiceContext, i: number): Payload {
  const t = ctx.invoices;
  const id = t.ids[i];
  const version = t.version[i];
  const customer = invoiceCustomer(ctx, i);
  const cSeed = ctx.customers.table.seed[customer];
  const { lines, sub, taxable } = salesLines(ctx, i, customerTaxable(ctx.customers, customer));
  const tax = Math.round(taxable * TAX_RATE);
  const total = sub + tax;
  const rng = new Rng(hash32(t.seed[i], 3));
  const terms = rng.pick([15, 30, 30, 30, 60]);
  const paid = version >= 2 && new Rng(hash32(t.seed[i], 4, version)).chance(0.85);
  const bill = address(hash32(cSeed, 3), String(ctx.customers.table.ids[customer] * 2));
  return {
    Id: String(id),
    SyncToken: String(version),
    DocNumber: String(1001 + i),
    TxnDate: dayToDate(t.txnDay[i]),
    DueDate: dayToDate(t.txnDay[i] + terms),
    CustomerRef: { value: String(ctx.customers.table.ids[customer]), name: ctx.customers.names[customer] },
    Line: [...lines, { Amount: money(sub), DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} }],
    TotalAmt: money(total),
    Balance: paid ? 0 : money(total),
    Deposit: 0,
    TxnTaxDetail: { TotalTax: money(tax) },
    CurrencyRef: USD,
    BillAddr: bill,
    ShipAddr: bill,
    EmailStatus: version >= 1 ? 'EmailSent' : 'NotSet',
    PrintStatus: 'NotSet',
    LinkedTxn: paid ? [{ TxnId: String(id + 500_000), TxnType: 'Payment' }] : [],
    CustomField: rng.chance(0.3) ? [{ DefinitionId: '1', Name: 'Crew #', Type: 'StringType', StringValue: String(rng.range(1, 99)) }] : [],
    ApplyTaxAfterDiscount: false,
    MetaData: metaData(t.createTime[i], t.lastUpdated[i], ctx.zone),
    domain: 'QBO',
    sparse: false,
  };
}
