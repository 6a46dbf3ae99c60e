/**
 * Which of two versions of one record is newer: MetaData.LastUpdatedTime first, then SyncToken (QBO's version
 * counter). A scan may read a record twice when it was updated mid-scan; the spool keeps the newer one.
 */
import type { QboRecord } from './types';

export interface Version {
  readonly updatedMs: number;
  readonly syncToken: number;
}

export function versionOf(record: QboRecord): Version {
  const updated = Date.parse(String(record.MetaData?.LastUpdatedTime ?? ''));
  const sync = Number.parseInt(String(record.SyncToken ?? ''), 10);
  return { updatedMs: Number.isNaN(updated) ? -Infinity : updated, syncToken: Number.isNaN(sync) ? -1 : sync };
}

/** True when `a` is at least as new as `b` (equal versions count as newer: the later read wins). */
export function isAtLeastAsNew(a: Version, b: Version): boolean {
  return a.updatedMs > b.updatedMs || (a.updatedMs === b.updatedMs && a.syncToken >= b.syncToken);
}
