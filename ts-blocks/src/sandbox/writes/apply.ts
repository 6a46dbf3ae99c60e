/**
 * Create, update (full or `"sparse": true`) and delete against the company's tables: the same store the queries,
 * reads and CDC answer from. An update or delete must name an existing record and carry its current SyncToken
 * (else 5010 Stale Object); each one stamps the record with the sandbox clock and bumps its SyncToken. Only
 * invoices can be deleted; name-list records are made inactive with `"Active": false`.
 */
import type { Company, Payload } from '../generator/company';
import { withoutDeletedSuffix } from '../generator/common';
import { NAME_FIELDS } from '../generator/written';
import { applyMutation } from '../mutations';
import type { SandboxEntity } from '../options';
import type { Rng } from '../random';
import type { PrepareWrite } from './context';
import { objectNotFound, requiredParam, staleObject, unsupportedOperation } from './faults';
import { prepareInvoice } from './invoice';
import { prepareCustomer, prepareItem } from './names';

export type WriteOperation = 'create' | 'update' | 'delete';

export interface WriteRequest {
  readonly entity: SandboxEntity;
  readonly operation: WriteOperation;
  readonly body: Payload;
}

const PREPARE: Record<SandboxEntity, PrepareWrite> = {
  Invoice: prepareInvoice,
  Customer: prepareCustomer,
  Item: prepareItem,
};

/** Where the name lists keep each record's current name (references and duplicate checks read it). */
function namesOf(company: Company, entity: SandboxEntity): string[] | undefined {
  if (entity === 'Customer') return company.customers.names;
  return entity === 'Item' ? company.items.names : undefined;
}

/** The record an update or delete names, checked against its current SyncToken. */
function target(company: Company, entity: SandboxEntity, body: Payload): number {
  const id = body.Id;
  if (id === undefined || id === null || id === '') throw requiredParam('Id');
  const t = company.table(entity);
  const i = /^\d+$/.test(String(id)) ? t.indexOfId(Number(id)) : -1;
  if (i < 0 || !t.exists(i)) {
    throw objectNotFound(entity === 'Invoice' ? 'Another user has deleted this transaction.' : `${entity} ${String(id)}`);
  }
  const token = body.SyncToken;
  if (token === undefined || token === null || token === '') throw requiredParam('SyncToken');
  if (String(token) !== String(t.version[i])) throw staleObject();
  return i;
}

/** A name sent back as it was read while inactive ("Acme (deleted)") stands for the name itself. */
function withoutSuffix(entity: SandboxEntity, body: Payload): Payload {
  const out: Payload = { ...body };
  for (const f of NAME_FIELDS[entity]) {
    const v = out[f];
    if (typeof v === 'string') out[f] = withoutDeletedSuffix(v);
  }
  return out;
}

function create(company: Company, entity: SandboxEntity, body: Payload, nowMs: number): number {
  const t = company.table(entity);
  const index = t.size;
  const p = PREPARE[entity]({ company, nowMs, index }, body);
  t.append({ id: t.nextId(), createSec: Math.floor(nowMs / 1000), txnDay: p.txnDay, active: p.active, body: p.body });
  const names = namesOf(company, entity);
  if (names) names[index] = p.name as string;
  return index;
}

function update(company: Company, entity: SandboxEntity, body: Payload, nowMs: number): number {
  const t = company.table(entity);
  const i = target(company, entity, body);
  const wasActive = t.active[i] === 1;
  const before = wasActive ? company.payload(entity, i) : withoutSuffix(entity, company.payload(entity, i));
  const sent = wasActive ? body : withoutSuffix(entity, body);
  const merged = body.sparse === true ? { ...before, ...sent } : sent;
  const p = PREPARE[entity]({ company, nowMs, index: i, before }, merged);
  t.active[i] = p.active ? 1 : 0;
  if (p.txnDay !== t.txnDay[i]) t.setTxnDay(i, p.txnDay);
  t.touch(i, Math.floor(nowMs / 1000));
  t.written.set(i, p.body);
  const names = namesOf(company, entity);
  if (names) names[i] = p.name as string;
  return i;
}

/** Applies one write at `nowMs`; answers the record as QBO returns it, or the deleted stub QBO sends. */
export function applyWrite(company: Company, w: WriteRequest, nowMs: number, rng: Rng): Payload {
  if (w.operation === 'delete') {
    if (w.entity !== 'Invoice') throw unsupportedOperation(`Delete on ${w.entity} (make it inactive with "Active": false)`);
    const i = target(company, w.entity, w.body);
    const id = String(company.invoices.ids[i]);
    applyMutation(company, { entity: 'Invoice', op: 'delete', id }, nowMs, rng);
    return { status: 'Deleted', domain: 'QBO', Id: id };
  }
  const i = w.operation === 'create' ? create(company, w.entity, w.body, nowMs) : update(company, w.entity, w.body, nowMs);
  company.changed();
  return company.payload(w.entity, i);
}
