/**
 * Reading QBO's change data capture answer for one entity:
 * `{"CDCResponse":[{"QueryResponse":[{"Invoice":[{…}, {"domain":"QBO","status":"Deleted","Id":"9",…}],…}]}]}`.
 * Deleted objects carry `"status":"Deleted"`; the others are current versions (not used here). QBO answers at most
 * 1000 objects per request. A malformed answer is a DataError, never read as "nothing was deleted".
 */
import { DataError } from '../core/errors';

export const CDC_MAX_OBJECTS = 1000;

export interface CdcDeletion {
  readonly id: string;
  /** When QBO deleted it (the deleted object's MetaData.LastUpdatedTime), when QBO says. */
  readonly deletedAt?: Date;
}

export interface CdcAnswer {
  readonly deleted: readonly CdcDeletion[];
  /** Objects of the entity in the answer (deleted or not): CDC_MAX_OBJECTS means QBO may have cut it short. */
  readonly objects: number;
  /** The latest MetaData.LastUpdatedTime among them, to ask again from when the answer was cut short. */
  readonly latest?: Date;
}

function bad(qboEntity: string, what: string): DataError {
  return new DataError(`QBO answered a ${qboEntity} CDC request ${what}; the answer is not used.`, { code: 'QBO_BAD_RESPONSE' });
}

function updatedAt(o: Record<string, unknown>): Date | undefined {
  const raw = (o.MetaData as Record<string, unknown> | undefined)?.LastUpdatedTime;
  const at = typeof raw === 'string' ? new Date(raw) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : undefined;
}

export function readCdc(body: Record<string, unknown>, qboEntity: string): CdcAnswer {
  const cdc = body.CDCResponse;
  if (!Array.isArray(cdc)) throw bad(qboEntity, 'without a CDCResponse list');
  const deleted: CdcDeletion[] = [];
  let objects = 0;
  let latest: Date | undefined;
  for (const part of cdc as unknown[]) {
    const responses = (part as { QueryResponse?: unknown } | null)?.QueryResponse;
    if (!Array.isArray(responses)) throw bad(qboEntity, 'without a QueryResponse list');
    for (const response of responses as unknown[]) {
      const list = (response as Record<string, unknown> | null)?.[qboEntity];
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw bad(qboEntity, `with a non-list ${qboEntity} field`);
      for (const o of list as Record<string, unknown>[]) {
        if (typeof o?.Id !== 'string' || o.Id.trim() === '') throw bad(qboEntity, 'with an object without an Id');
        objects += 1;
        const at = updatedAt(o);
        if (at && (!latest || at > latest)) latest = at;
        if (o.status === 'Deleted') deleted.push({ id: o.Id, ...(at ? { deletedAt: at } : {}) });
      }
    }
  }
  return { deleted, objects, ...(latest ? { latest } : {}) };
}
