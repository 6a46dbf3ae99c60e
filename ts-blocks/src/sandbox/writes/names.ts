/**
 * Write rules of the name lists. Customer: DisplayName (or one built from the person's or company's name) unique
 * among active customers, FullyQualifiedName `Parent:Child` for a job. Item: Name required and unique among
 * active items, Type one of QBO's. QBO compares names without regard to case; an inactive record's name is free.
 * Balances are QBO's to keep (carried over from the record as it was), never the client's.
 */
import { USD, withoutDeletedSuffix, type Payload } from '../generator/common';
import type { EntityTable } from '../generator/table';
import { type Prepared, type WriteContext, refValue, resolveRef, text, withDefaults } from './context';
import { duplicateName, invalidEnumeration, requiredParam } from './faults';

const ITEM_TYPES = ['Service', 'Inventory', 'NonInventory', 'Category'];

function checkUnique(t: EntityTable, names: readonly string[], name: string, self: number, what: string): void {
  const key = name.toLowerCase();
  for (let k = 0; k < t.size; k++) {
    if (k !== self && t.exists(k) && t.active[k] === 1 && names[k].toLowerCase() === key) throw duplicateName(what);
  }
}

function displayFrom(body: Payload): string | undefined {
  const person = ['Title', 'GivenName', 'MiddleName', 'FamilyName', 'Suffix'].map((k) => text(body[k])).filter((v) => v !== undefined);
  return person.length > 0 ? person.join(' ') : text(body.CompanyName);
}

/** A job's place under its parent: FullyQualifiedName `Parent:Child` (no inactive suffix) and Level. */
function underParent(ctx: WriteContext, parent: number, name: string): Payload {
  const p = ctx.company.payload('Customer', parent);
  const base = withoutDeletedSuffix(String(p.FullyQualifiedName));
  return { FullyQualifiedName: `${base}:${name}`, Job: true, Level: (typeof p.Level === 'number' ? p.Level : 0) + 1 };
}

export function prepareCustomer(ctx: WriteContext, body: Payload): Prepared {
  const customers = ctx.company.customers;
  const active = body.Active !== false;
  const name = text(body.DisplayName) ?? displayFrom(body);
  if (name === undefined) throw requiredParam('DisplayName');
  if (active) checkUnique(customers.table, customers.names, name, ctx.index, 'customer, vendor or employee');
  const parentId = refValue(body.ParentRef);
  const parent = parentId === undefined ? -1 : resolveRef(customers.table, parentId, 'ParentRef');
  const owned: Payload = {
    DisplayName: name,
    ...(parent < 0 ? { FullyQualifiedName: name, Job: false } : underParent(ctx, parent, name)),
    Balance: ctx.before?.Balance ?? 0,
    BalanceWithJobs: ctx.before?.BalanceWithJobs ?? 0,
    Active: active,
  };
  const completed = withDefaults({ ...body, ...owned }, { BillWithParent: false, CurrencyRef: USD, Taxable: false });
  return { body: completed, active, txnDay: 0, name };
}

export function prepareItem(ctx: WriteContext, body: Payload): Prepared {
  const items = ctx.company.items;
  const active = body.Active !== false;
  const name = text(body.Name);
  if (name === undefined) throw requiredParam('Name');
  const sent = body.Type === '' || body.Type === null ? undefined : body.Type; // "" = unset (python-quickbooks)
  const type = sent ?? ctx.before?.Type ?? 'Service';
  if (typeof type !== 'string' || !ITEM_TYPES.includes(type)) throw invalidEnumeration(String(type));
  if (active) checkUnique(items.table, items.names, name, ctx.index, 'product or service');
  const owned: Payload = { Name: name, FullyQualifiedName: name, Type: type, Active: active };
  const completed = withDefaults({ ...body, ...owned }, { Taxable: false, TrackQtyOnHand: false });
  return { body: completed, active, txnDay: 0, name };
}
