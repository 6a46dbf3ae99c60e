/**
 * The generated company: three compact tables and the payload builders. The same seed, counts and history span
 * always give the same records; only live updates (stamped with the sandbox clock) change them afterwards.
 */
import { SANDBOX_ENTITIES, type SandboxEntity } from '../options';
import { hash32 } from '../random';
import { Timeline } from './timeline';
import type { EntityTable } from './table';
import { buildCustomers, customerPayload, type CustomerIndex } from './customers';
import { buildItems, itemPayload, type ItemIndex } from './items';
import { buildInvoices, invoicePayload, type InvoiceContext } from './invoices';
import type { Payload } from './common';
import { writtenPayload } from './written';

export type { Payload } from './common';

export interface CompanySpec {
  readonly seed: number;
  readonly customers: number;
  readonly items: number;
  readonly invoices: number;
  readonly historyStart: string;
  readonly historyEnd: string;
  readonly companyTimeZone: string;
}

export class Company {
  readonly customers: CustomerIndex;
  readonly items: ItemIndex;
  readonly invoices: EntityTable;
  readonly zone: string;
  private readonly invoiceContext: InvoiceContext;
  /** Records' JSON rendered ahead (`prerender`) as UTF-8 bytes, until the company first changes. */
  private rendered: Map<SandboxEntity, Array<Buffer | undefined>> | undefined;

  constructor(readonly spec: CompanySpec) {
    this.zone = spec.companyTimeZone;
    const timeline = new Timeline(Date.parse(spec.historyStart), Date.parse(spec.historyEnd), this.zone);
    this.customers = buildCustomers(spec.seed, spec.customers, timeline);
    this.items = buildItems(spec.seed, spec.items, timeline);
    this.invoices = buildInvoices(spec.seed, spec.invoices, timeline, this.zone);
    this.invoiceContext = { invoices: this.invoices, customers: this.customers, items: this.items, zone: this.zone };
  }

  /** A realm id derived from the seed: the same company keeps its realm. */
  static realmIdFor(seed: number): string {
    return `9341${String(hash32(seed, 0x7ea1)).padStart(12, '0')}`;
  }

  table(entity: SandboxEntity): EntityTable {
    if (entity === 'Invoice') return this.invoices;
    return entity === 'Customer' ? this.customers.table : this.items.table;
  }

  /**
   * Renders every record's JSON now, so serving pages later costs (almost) no CPU: what a benchmark wants of a
   * stand-in for QBO, whose work does not run on the client's machine. Memory: the UTF-8 bytes, 1–2 KB per record.
   */
  prerender(): void {
    const rendered = new Map<SandboxEntity, Array<Buffer | undefined>>();
    for (const entity of SANDBOX_ENTITIES) {
      const t = this.table(entity);
      const list: Array<Buffer | undefined> = new Array(t.size);
      for (let i = 0; i < t.size; i++) if (t.exists(i)) list[i] = Buffer.from(JSON.stringify(this.payload(entity, i)));
      rendered.set(entity, list);
    }
    this.rendered = rendered;
  }

  /** Forgets what was rendered ahead: called on every change (an invoice shows its customer's current name). */
  changed(): void {
    this.rendered = undefined;
  }

  /** The record's current payload as JSON, UTF-8 bytes: the rendered ones when pre-rendered (a page is then copied, not encoded). */
  payloadBytes(entity: SandboxEntity, i: number): Buffer {
    return this.rendered?.get(entity)?.[i] ?? Buffer.from(JSON.stringify(this.payload(entity, i)));
  }

  /** The record's current payload, as QBO would return it (inactive names carry " (deleted)"). */
  payload(entity: SandboxEntity, i: number): Payload {
    const t = this.table(entity);
    const body = t.written.get(i);
    if (body) return writtenPayload(t, i, body, this.zone);
    if (entity === 'Invoice') return invoicePayload(this.invoiceContext, i);
    if (entity === 'Customer') return customerPayload(this.customers, i, this.zone);
    return itemPayload(this.items, i, this.zone);
  }
}
