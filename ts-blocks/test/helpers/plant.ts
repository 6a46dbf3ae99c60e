/**
 * Planting records in a running sandbox through QBO's own write API, optionally at an exact instant: the sandbox
 * clock is frozen at `at` for the write (POST /__sandbox/clock) and put back as it was afterwards. Works for a
 * sandbox in this process or another one: it needs only the base URL, the realm and an access token.
 *
 *   const invoice = await plant(qbo, token, 'Invoice', { CustomerRef: { value: '1' }, Line: [...] },
 *     { at: '2024-03-10T02:30:00-08:00' });
 */
import type { ClockState, SandboxEntity } from '../../src/sandbox';

export interface SandboxTarget {
  readonly baseUrl: string;
  readonly realmId: string;
}

export interface WriteOptions {
  /** `create` (default; `update` when the body has an Id), `update` or `delete`. */
  readonly operation?: 'create' | 'update' | 'delete';
  /** The instant to write at: ISO time with an offset, or epoch ms. Default: the sandbox clock as it runs. */
  readonly at?: string | number;
  readonly requestId?: string;
}

export interface WriteAnswer {
  readonly status: number;
  /** The response text, exactly as sent. */
  readonly text: string;
  readonly json: any;
}

async function clock(target: SandboxTarget, change?: Record<string, unknown>): Promise<ClockState> {
  const init: RequestInit = change ? { method: 'POST', body: JSON.stringify(change), headers: { 'Content-Type': 'application/json' } } : {};
  const res = await fetch(`${target.baseUrl}/__sandbox/clock`, init);
  if (res.status !== 200) throw new Error(`sandbox clock ${change ? 'change' : 'read'} failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as ClockState;
}

/** Sends one write to the QBO API (JSON), at `at` if given; answers whatever QBO's API answered. */
export async function sandboxWrite(
  target: SandboxTarget, token: string, entity: SandboxEntity, body: unknown, o: WriteOptions = {},
): Promise<WriteAnswer> {
  const params = new URLSearchParams({ minorversion: '75' });
  if (o.operation && o.operation !== 'create') params.set('operation', o.operation);
  if (o.requestId) params.set('requestid', o.requestId);
  const before = o.at === undefined ? undefined : await clock(target);
  if (o.at !== undefined) await clock(target, { set: o.at, frozen: true });
  try {
    const res = await fetch(`${target.baseUrl}/v3/company/${target.realmId}/${entity.toLowerCase()}?${params}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: JSON.parse(text) };
  } finally {
    if (before) await clock(target, before.frozen ? { set: before.epochMs, frozen: true } : { offsetMs: before.offsetMs });
  }
}

/** Creates (or updates/deletes) a record and returns it as QBO answered; throws with the Fault when refused. */
export async function plant(
  target: SandboxTarget, token: string, entity: SandboxEntity, body: unknown, o: WriteOptions = {},
): Promise<Record<string, any>> {
  const r = await sandboxWrite(target, token, entity, body, o);
  if (r.status !== 200) throw new Error(`planting ${entity} failed: ${r.status} ${r.text}`);
  return r.json[entity] as Record<string, any>;
}
