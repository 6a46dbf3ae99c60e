/**
 * One spooled record turned into the values of one raw.qb_<entity> row, checked on the way: a record without an
 * Id, without a MetaData.LastUpdatedTime carrying its UTC offset, with a non-numeric SyncToken, or (last_updated
 * windows) updated outside its window is a DataError naming the record, before anything is written.
 */
import { DataError } from '../core/errors';
import type { Entity } from '../core/events';
import type { DateField } from '../core/types';
import { ISO_WITH_ZONE } from '../db/payload-constraints';
import type { ReadRow } from '../spool/reader';
import type { SpooledRow } from '../spool/types';
import { hasUnstorableEscape, repairedRecord, repairJsonText, type RepairedRecord } from './unstorable';

/** The chunk a spool belongs to: what every row of it shares. */
export interface ChunkTarget {
  readonly runId: string;
  readonly entity: Entity;
  readonly realmId: string;
  readonly dateField: DateField;
  readonly chunkIndex: number;
  readonly windowStart: Date;
  readonly windowEnd: Date;
}

export interface StagingRow {
  readonly chunkIndex: number;
  readonly id: string;
  /** JSON text of the record (PostgreSQL stores it as jsonb and hashes that: store/payload-hash.ts). */
  readonly payload: string;
  /**
   * MetaData.LastUpdatedTime as QBO wrote it (ISO-8601 with its offset): PostgreSQL turns it into the UTC instant,
   * to the microsecond, exactly as the fast path's cast and the raw table's `_last_updated` constraint do.
   */
  readonly lastUpdatedTime: string;
  readonly syncToken: string;
  readonly pageNumber: number;
  readonly pageSize: number;
  readonly requestPayload: string;
  /** Set when QBO's text held what jsonb refuses: `payload` is then the repaired text (store/unstorable.ts). */
  readonly repaired?: RepairedRecord;
}

function bad(target: ChunkTarget, what: string, id?: string): DataError {
  const where = `chunk ${target.chunkIndex} of ${target.entity} (run ${target.runId})`;
  return new DataError(`${id === undefined ? 'A record' : `Record Id ${id}`} in ${where} ${what}. Re-extract the chunk with --force.`, {
    code: 'SPOOL_BAD_RECORD',
    context: { entity: target.entity, run_id: target.runId, chunk_index: target.chunkIndex, ...(id === undefined ? {} : { id }) },
  });
}

const WITH_ZONE = new RegExp(ISO_WITH_ZONE);

/**
 * The record's LastUpdatedTime, which must name its UTC offset: without one its instant would depend on the time zone
 * of whoever reads it (QBO always sends one; the raw table's `_last_updated` constraint refuses a row without).
 */
function lastUpdated(row: SpooledRow, target: ChunkTarget, id: string): string {
  const raw = row.record.MetaData?.LastUpdatedTime;
  const at = typeof raw === 'string' ? new Date(raw) : undefined;
  if (!at || Number.isNaN(at.getTime())) throw bad(target, `has no valid MetaData.LastUpdatedTime (${String(raw)})`, id);
  if (!WITH_ZONE.test(raw as string)) {
    throw bad(target, `has a MetaData.LastUpdatedTime without a UTC offset (${String(raw)}): its instant is ambiguous`, id);
  }
  if (target.dateField === 'last_updated' && (at < target.windowStart || at >= target.windowEnd)) {
    throw bad(
      target,
      `was last updated at ${at.toISOString()}, outside its window [${target.windowStart.toISOString()}, ` +
        `${target.windowEnd.toISOString()})`,
      id,
    );
  }
  return raw as string;
}

function syncToken(row: SpooledRow, target: ChunkTarget, id: string): string {
  const raw = row.record.SyncToken;
  if (raw === undefined || raw === null) return '0';
  const text = String(raw);
  if (!/^\d{1,18}$/.test(text)) throw bad(target, `has a SyncToken that is not a number (${text})`, id);
  return text;
}

function pageInfo(row: SpooledRow, target: ChunkTarget, id: string): { pageNumber: number; pageSize: number } {
  const { page_number: pageNumber, page_size: pageSize } = row;
  if (!Number.isInteger(pageNumber) || pageNumber < 1) throw bad(target, `has an invalid page_number (${String(pageNumber)})`, id);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw bad(target, `has an invalid page_size (${String(pageSize)})`, id);
  }
  return { pageNumber, pageSize };
}

/** A spool row, with the JSON texts of its record and request when the reader has them (spool/reader.ts). */
export function toStagingRow(row: ReadRow, target: ChunkTarget): StagingRow {
  const rawId: unknown = row.record?.Id;
  if (typeof rawId !== 'string' || rawId.trim() === '') throw bad(target, 'has no Id');
  const id = rawId;
  const text = row.recordText ?? JSON.stringify(row.record);
  const repaired = hasUnstorableEscape(text) ? repairedRecord(id, text, row.record) : undefined;
  return {
    chunkIndex: target.chunkIndex,
    id,
    payload: repaired ? repairJsonText(text) : text,
    ...(repaired ? { repaired } : {}),
    lastUpdatedTime: lastUpdated(row, target, id),
    syncToken: syncToken(row, target, id),
    ...pageInfo(row, target, id),
    requestPayload: row.requestText ?? JSON.stringify(row.request_payload ?? {}),
  };
}
