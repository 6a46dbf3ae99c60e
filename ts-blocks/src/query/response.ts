/**
 * Reading QBO query answers. `{"QueryResponse":{"Invoice":[…],"startPosition":1,"maxResults":n}}`; an empty page
 * is `{"QueryResponse":{}}`; COUNT(*) is `{"QueryResponse":{"totalCount":N}}`. Anything else is a DataError:
 * a malformed answer is never read as "no more data".
 */
import { DataError } from '../core/errors';
import type { QboRecord } from '../spool/types';

function queryResponse(body: Record<string, unknown>, what: string): Record<string, unknown> {
  const qr = body.QueryResponse;
  if (typeof qr !== 'object' || qr === null || Array.isArray(qr)) {
    throw new DataError(`QBO answered ${what} without a QueryResponse object; the answer is not used.`, { code: 'QBO_BAD_RESPONSE' });
  }
  return qr as Record<string, unknown>;
}

function checkRecord(value: unknown, qboEntity: string): QboRecord {
  const id = (value as { Id?: unknown } | null)?.Id;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof id !== 'string' || id.trim() === '') {
    throw new DataError(`QBO returned a ${qboEntity} without an Id; the page is not used.`, { code: 'QBO_RECORD_WITHOUT_ID' });
  }
  return value as QboRecord;
}

/** The records of one page (possibly none). */
export function readRecords(body: Record<string, unknown>, qboEntity: string): QboRecord[] {
  const qr = queryResponse(body, `a ${qboEntity} query`);
  const list = qr[qboEntity];
  if (list === undefined) {
    const other = Object.keys(qr).find((k) => Array.isArray(qr[k]));
    if (other !== undefined) {
      throw new DataError(`QBO answered a ${qboEntity} query with ${other} records; the answer is not used.`, { code: 'QBO_BAD_RESPONSE' });
    }
    return [];
  }
  if (!Array.isArray(list)) {
    throw new DataError(`QBO answered a ${qboEntity} query with a non-list ${qboEntity} field.`, { code: 'QBO_BAD_RESPONSE' });
  }
  return list.map((r) => checkRecord(r, qboEntity));
}

export function readCount(body: Record<string, unknown>, qboEntity: string): number {
  const total = queryResponse(body, `a ${qboEntity} COUNT(*)`).totalCount;
  if (typeof total !== 'number' || !Number.isInteger(total) || total < 0) {
    throw new DataError(`QBO answered a ${qboEntity} COUNT(*) without a totalCount.`, { code: 'QBO_BAD_RESPONSE' });
  }
  return total;
}
