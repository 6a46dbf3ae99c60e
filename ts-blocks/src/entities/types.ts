import type { DateField, Entity } from '../core/types';

/**
 * One QBO entity, declared: what it is called here and in QBO, where it lands, which QBO field each date field
 * filters and sorts on, and any clause every query must carry.
 */
export interface EntityDefinition {
  readonly name: Entity;
  /** QBO entity name as used in queries and as the key of QueryResponse. */
  readonly qboEntity: string;
  /** Destination table (schema-qualified). */
  readonly table: string;
  /** The QBO field behind each date field this entity supports. */
  readonly dateFields: Readonly<Partial<Record<DateField, DateFieldMapping>>>;
  /** Clauses ANDed into every query (e.g. the Active clause). */
  readonly extraFilters: readonly string[];
  /**
   * True when QBO deletes records of this entity (transactions such as invoices): then gone from queries, reported
   * by CDC as Deleted, and marked in raw (source_deleted_at_utc). Name lists (customers, items) are never deleted by
   * QBO: they become inactive, which their payload carries (Active = false).
   */
  readonly deletable?: boolean;
}

export interface DateFieldMapping {
  /** The queryable QBO field, e.g. `MetaData.LastUpdatedTime`. */
  readonly qboField: string;
  /** `instant`: timestamps with an offset; `date`: calendar dates (YYYY-MM-DD). */
  readonly kind: 'instant' | 'date';
  /** Reads the field's value from a record as QBO returned it. */
  readonly read: (record: Readonly<Record<string, unknown>>) => unknown;
}

export const LAST_UPDATED: DateFieldMapping = Object.freeze({
  qboField: 'MetaData.LastUpdatedTime',
  kind: 'instant',
  read: (record: Readonly<Record<string, unknown>>) => (record.MetaData as Record<string, unknown> | undefined)?.LastUpdatedTime,
});

/**
 * QBO hides inactive name-list objects (customers, items, ...) from queries unless asked: without this clause
 * a backfill silently misses every deactivated customer or item.
 */
export const INCLUDE_INACTIVE = 'Active IN (true, false)';
