/**
 * Write rules of invoices: a CustomerRef to an existing active customer and at least one Line are required; sales
 * lines get their Id/LineNum, their ItemRef's name, and an Amount from Qty × UnitPrice when they carry none; QBO
 * computes the SubTotal line, TotalAmt and Balance (less what was already paid), and fills TxnDate (today, company
 * time), DueDate (Net 30), DocNumber and the other defaults its answers always carry. An empty string stands for
 * an unset field, as python-quickbooks sends them.
 */
import { USD, money, type Payload } from '../generator/common';
import { DAY_MS, dayToDate, zonedDay } from '../time';
import { type Prepared, type WriteContext, isObject, refValue, resolveRef, text, withDefaults } from './context';
import { invalidProperty, requiredParam } from './faults';

const NET_DAYS = 30;
const cents = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 100) : 0);

/** A date field's day number; absent or "" (python-quickbooks sends "" for unset dates) is undefined. */
function dayOf(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const m = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw invalidProperty(`${field}: ${JSON.stringify(value)} is not a date (YYYY-MM-DD)`);
  }
  return ms / DAY_MS;
}

function salesLine(ctx: WriteContext, line: Payload, n: number): Payload {
  const detail = isObject(line.SalesItemLineDetail) ? { ...line.SalesItemLineDetail } : {};
  const itemId = refValue(detail.ItemRef);
  if (itemId !== undefined) {
    const items = ctx.company.items;
    const item = resolveRef(items.table, itemId, 'ItemRef');
    detail.ItemRef = { ...(detail.ItemRef as Payload), name: items.names[item] };
  }
  let amount = line.Amount;
  if (typeof amount !== 'number') {
    if (typeof detail.Qty !== 'number' || typeof detail.UnitPrice !== 'number') throw requiredParam('Line.Amount');
    amount = money(Math.round(detail.Qty * detail.UnitPrice * 100));
  }
  return { Id: String(n), LineNum: n, ...line, Amount: amount, SalesItemLineDetail: detail };
}

/** The lines as QBO stores them, and the sum of sales lines less discounts, in cents. */
function lines(ctx: WriteContext, sent: unknown): { lines: Payload[]; subCents: number } {
  if (!Array.isArray(sent) || sent.length === 0) throw requiredParam('Line');
  const out: Payload[] = [];
  let sub = 0;
  let discount = 0;
  for (const line of sent) {
    if (!isObject(line)) throw invalidProperty(`Line: each line must be an object, got ${JSON.stringify(line)}`);
    if (line.DetailType === 'SubTotalLineDetail') continue; // recomputed below
    if (line.DetailType === undefined) throw requiredParam('Line.DetailType');
    const done = line.DetailType === 'SalesItemLineDetail' ? salesLine(ctx, line, out.length + 1) : line;
    if (line.DetailType === 'SalesItemLineDetail') sub += cents(done.Amount);
    if (line.DetailType === 'DiscountLineDetail') discount += cents(done.Amount);
    out.push(done);
  }
  out.push({ Amount: money(sub), DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} });
  return { lines: out, subCents: sub - discount };
}

export function prepareInvoice(ctx: WriteContext, body: Payload): Prepared {
  const customers = ctx.company.customers;
  const customerId = refValue(body.CustomerRef);
  if (customerId === undefined) throw requiredParam('CustomerRef');
  const customer = resolveRef(customers.table, customerId, 'CustomerRef');
  const { lines: done, subCents } = lines(ctx, body.Line);
  const txnDay = dayOf(body.TxnDate, 'TxnDate') ?? zonedDay(ctx.nowMs, ctx.company.zone);
  const dueDay = dayOf(body.DueDate, 'DueDate') ?? txnDay + NET_DAYS;
  const tax = isObject(body.TxnTaxDetail) ? cents(body.TxnTaxDetail.TotalTax) : 0;
  const total = subCents + tax;
  const paid = ctx.before ? cents(ctx.before.TotalAmt) - cents(ctx.before.Balance) : 0;
  const owned: Payload = {
    CustomerRef: { ...(body.CustomerRef as Payload), name: customers.names[customer] },
    Line: done,
    DocNumber: text(body.DocNumber) ?? ctx.before?.DocNumber ?? String(1001 + ctx.index),
    TxnDate: dayToDate(txnDay),
    DueDate: dayToDate(dueDay),
    TotalAmt: money(total),
    Balance: money(Math.max(0, total - paid)),
  };
  const completed = withDefaults({ ...body, ...owned }, {
    Deposit: 0,
    TxnTaxDetail: { TotalTax: money(tax) },
    CurrencyRef: USD,
    EmailStatus: 'NotSet',
    PrintStatus: 'NotSet',
    LinkedTxn: ctx.before?.LinkedTxn ?? [],
    ApplyTaxAfterDiscount: false,
  });
  return { body: completed, active: true, txnDay, name: undefined };
}
