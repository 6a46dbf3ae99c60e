/**
 * Which record versions a scan already delivered at one sort-key value. A record re-read at the same value is
 * dropped only when it is the same version: one updated twice within the same second stays at that value with
 * a higher SyncToken, and that newer version must still be delivered.
 */
import type { QboRecord } from '../spool/types';

const versionKey = (r: QboRecord) => `${String(r.SyncToken ?? '')}|${String(r.MetaData?.LastUpdatedTime ?? '')}`;

export class Delivered {
  private readonly versions = new Map<string, string>();

  /** True (and remembered) when this version of the record was not delivered yet. */
  admit(record: QboRecord): boolean {
    const key = versionKey(record);
    if (this.versions.get(record.Id) === key) return false;
    this.versions.set(record.Id, key);
    return true;
  }
}
