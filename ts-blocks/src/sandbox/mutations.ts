/**
 * Changes to the company after start-up, stamped with the sandbox clock: a new version (SyncToken + 1,
 * LastUpdatedTime = now), (de)activation of a name, or deletion of an invoice (then visible only through CDC).
 * Deleting a Customer or Item makes it inactive, as QBO does for name lists.
 */
import { ConfigError } from '../core/errors';
import type { Company } from './generator/company';
import { SANDBOX_ENTITIES, type SandboxEntity } from './options';
import type { Rng } from './random';
import { formatZoned } from './time';

export type MutationOp = 'update' | 'delete' | 'deactivate' | 'activate';

export interface SandboxMutation {
  readonly entity: SandboxEntity;
  /** Default 'update'. */
  readonly op?: MutationOp;
  /** The record's Id; a random existing record when omitted. */
  readonly id?: string;
}

export interface MutationResult {
  readonly entity: SandboxEntity;
  readonly id: string;
  readonly op: MutationOp;
  readonly syncToken: string;
  readonly lastUpdatedTime: string;
  readonly deleted: boolean;
  readonly active: boolean;
}

function pickExisting(company: Company, entity: SandboxEntity, rng: Rng): number {
  const t = company.table(entity);
  for (let tries = 0; tries < 1000; tries++) {
    const i = rng.int(t.size);
    if (t.exists(i)) return i;
  }
  throw new ConfigError(`No ${entity} record left to change`, { code: 'SANDBOX_NO_RECORD' });
}

const OPS: readonly MutationOp[] = ['update', 'delete', 'deactivate', 'activate'];

export function applyMutation(company: Company, m: SandboxMutation, nowMs: number, rng: Rng): MutationResult {
  const op = m.op ?? 'update';
  if (!SANDBOX_ENTITIES.includes(m.entity) || !OPS.includes(op)) {
    throw new ConfigError(`Mutation ${JSON.stringify(m)} needs entity ${SANDBOX_ENTITIES.join('|')} and op ${OPS.join('|')}`, {
      code: 'SANDBOX_BAD_MUTATION',
    });
  }
  const t = company.table(m.entity);
  const i = m.id === undefined ? pickExisting(company, m.entity, rng) : t.indexOfId(Number(m.id));
  if (i < 0 || !t.exists(i)) {
    throw new ConfigError(`${m.entity} ${m.id} does not exist (or was deleted); pick an existing Id`, {
      code: 'SANDBOX_UNKNOWN_RECORD',
    });
  }
  if (m.entity === 'Invoice' && (op === 'activate' || op === 'deactivate')) {
    throw new ConfigError(`Invoices have no Active flag; use op "update" or "delete"`, { code: 'SANDBOX_BAD_MUTATION' });
  }
  const sec = Math.floor(nowMs / 1000);
  if (op === 'delete' && m.entity === 'Invoice') t.deletedAt[i] = sec;
  if (op === 'delete' || op === 'deactivate') t.active[i] = 0;
  if (op === 'activate') t.active[i] = 1;
  t.touch(i, sec);
  company.changed();
  return {
    entity: m.entity,
    id: String(t.ids[i]),
    op,
    syncToken: String(t.version[i]),
    lastUpdatedTime: formatZoned(sec * 1000, company.zone),
    deleted: !t.exists(i),
    active: t.active[i] === 1,
  };
}

/** What a live update does: mostly invoice edits, sometimes a deleted invoice or a (de)activated name. */
export function randomMutation(company: Company, rng: Rng): SandboxMutation {
  const r = rng.next();
  if (r < 0.7) return { entity: 'Invoice', op: rng.chance(0.05) ? 'delete' : 'update' };
  const entity: SandboxEntity = r < 0.9 ? 'Customer' : 'Item';
  const i = pickExisting(company, entity, rng);
  const t = company.table(entity);
  const op: MutationOp = rng.chance(0.05) ? (t.active[i] === 1 ? 'deactivate' : 'activate') : 'update';
  return { entity, op, id: String(t.ids[i]) };
}
