/**
 * The deletions a run confirmed at QBO (ops.source_deletions), and the live raw rows a run's range covers (the
 * candidates of a by-id lookup). The loader writes them; the exporter applies them (store/apply-deletions.ts).
 */
import type { Pool } from 'pg';
import type { Entity } from '../core/events';
import type { DateField } from '../core/types';
import { queryError } from '../db/errors';
import { withTransaction } from '../db/pool';
import { dateFieldInstantSql } from '../db/txn-date-sql';
import { rawTable } from '../store/tables';

export interface ConfirmedDeletion {
  readonly id: string;
  /** When QBO deleted it (CDC), or when the deletion was detected (a lookup that no longer finds it). */
  readonly deletedAt: Date;
  readonly detectedBy: 'cdc' | 'lookup';
}

export interface RangeScope {
  readonly entity: Entity;
  readonly realmId: string;
  readonly dateField: DateField;
  readonly from: Date;
  readonly to: Date;
}

export interface SourceDeletions {
  /** Ids of the live rows (not marked deleted) of the realm whose date field lies in [from, to). */
  liveIds(scope: RangeScope): Promise<string[]>;
  /** Replaces what `runId` confirmed (a resumed run detects again). */
  record(runId: string, deletions: readonly ConfirmedDeletion[]): Promise<void>;
}

/** SQL condition: the raw row's date field lies in [$p, $p+1). */
export function inRangeSql(dateField: DateField, p: number, row = ''): string {
  const key = dateFieldInstantSql(dateField, row);
  return `${key} >= $${p}::timestamptz AND ${key} < $${p + 1}::timestamptz`;
}

export class PgSourceDeletions implements SourceDeletions {
  constructor(private readonly pool: Pool) {}

  async liveIds(scope: RangeScope): Promise<string[]> {
    try {
      const { rows } = await this.pool.query<{ id: string }>(
        `SELECT id FROM ${rawTable(scope.entity)}
          WHERE realm_id = $1 AND source_deleted_at_utc IS NULL AND ${inRangeSql(scope.dateField, 2)}`,
        [scope.realmId, scope.from, scope.to],
      );
      return rows.map((r) => r.id);
    } catch (e) {
      throw queryError(e, `listing the live ${scope.entity} of the run's range`);
    }
  }

  async record(runId: string, deletions: readonly ConfirmedDeletion[]): Promise<void> {
    try {
      await withTransaction(this.pool, async (client) => {
        await client.query('DELETE FROM ops.source_deletions WHERE run_id = $1', [runId]);
        await client.query(
          `INSERT INTO ops.source_deletions (run_id, id, deleted_at_utc, detected_by)
           SELECT $1, d.id, d.at, d.by FROM unnest($2::text[], $3::timestamptz[], $4::text[]) AS d(id, at, by)
           ON CONFLICT (run_id, id) DO NOTHING`,
          [runId, deletions.map((d) => d.id), deletions.map((d) => d.deletedAt), deletions.map((d) => d.detectedBy)],
        );
      });
    } catch (e) {
      throw queryError(e, `recording the deletions run ${runId} confirmed`);
    }
  }
}
