/** What an entity's write rules see, and what they hand back to be stored. */
import type { Company, Payload } from '../generator/company';
import type { EntityTable } from '../generator/table';
import { invalidReference } from './faults';

export interface WriteContext {
  readonly company: Company;
  readonly nowMs: number;
  /** The record's index: an existing one on update, the next free one on create. */
  readonly index: number;
  /** The record's payload before this write; undefined on create. */
  readonly before?: Payload;
}

/** A body checked and completed the way QBO completes it, with the indexed values it implies. */
export interface Prepared {
  readonly body: Payload;
  readonly active: boolean;
  /** Invoice TxnDate as a day number (0 for name lists). */
  readonly txnDay: number;
  /** Customer DisplayName / Item Name, the name the duplicate check and references use. */
  readonly name?: string;
}

export type PrepareWrite = (ctx: WriteContext, body: Payload) => Prepared;

/** A non-empty string, or undefined. */
export function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

export function isObject(v: unknown): v is Payload {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The `value` of a reference (`{"value": "12", "name": …}`), or undefined. */
export function refValue(ref: unknown): string | undefined {
  if (!isObject(ref)) return undefined;
  const v = ref.value;
  return typeof v === 'number' ? String(v) : text(v);
}

/** Index of the existing, active record a reference names; a 2500 Invalid Reference Id Fault otherwise. */
export function resolveRef(t: EntityTable, value: string, what: string): number {
  const i = /^\d+$/.test(value) ? t.indexOfId(Number(value)) : -1;
  if (i < 0 || !t.exists(i) || t.active[i] !== 1) {
    throw invalidReference(`${what} ${value} does not exist or has been made inactive`);
  }
  return i;
}

/** Fields of `defaults` that `body` does not set, after the body's own (the order QBO's answer keeps). */
export function withDefaults(body: Payload, defaults: Payload): Payload {
  const out: Payload = { ...body };
  for (const [k, v] of Object.entries(defaults)) if (out[k] === undefined) out[k] = v;
  return out;
}
