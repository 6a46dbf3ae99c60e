/**
 * One run and its chunks as the checks and the reports see them, read through the ledger (ops.backfill_runs /
 * ops.backfill_chunks); and the raw table of an entity.
 */
import type { Pool, PoolClient } from 'pg';
import { ConfigError } from '../core/errors';
import type { Entity } from '../core/events';
import { ENTITIES, type DateField } from '../core/types';
import { queryError } from '../db/errors';
import { dateFieldInstantSql } from '../db/txn-date-sql';
import { PgLedger, type ChunkDetail, type RunDetail } from '../ledger';
import type { RunChunk, RunInfo } from './types';

export type Queryable = Pick<Pool | PoolClient, 'query'>;

/** `raw.qb_<entity>`, safe to splice into SQL (the entity is checked against the closed list). */
export function rawTable(entity: Entity): string {
  if (!ENTITIES.includes(entity)) {
    throw new ConfigError(`Unknown entity "${String(entity)}": expected one of ${ENTITIES.join(', ')}.`, {
      code: 'CONFIG_UNKNOWN_ENTITY',
    });
  }
  return `raw.qb_${entity}`;
}

/** Wraps a database error with what was being done (project errors pass through). */
export function dbFailure(e: unknown, doing: string): Error {
  return queryError(e, doing);
}

function toChunk(c: ChunkDetail): RunChunk {
  const m = c.metrics;
  return {
    index: c.index,
    windowStart: c.windowStart,
    windowEnd: c.windowEnd,
    status: c.status,
    spoolPath: c.spoolPath,
    sourceCount: m.source_count ?? null,
    pagesRead: m.pages_read,
    rowsRead: m.rows_read,
    rowsInserted: m.rows_inserted,
    rowsUpdated: m.rows_updated,
    rowsUnchanged: m.rows_unchanged,
    rowsSkipped: m.rows_skipped,
    rowsDeleted: m.deleted ?? 0,
    apiCalls: m.api_calls,
    retries: m.retries,
    throttled: m.throttled,
    extractMs: m.extract_ms,
    loadMs: m.load_ms,
    attempts: c.attempts,
    extractedAt: c.extractedAt,
    loadedAt: c.loadedAt,
    readPass: c.readPass,
  };
}

export function toRunInfo(d: RunDetail): RunInfo {
  const p = d.params;
  return {
    runId: d.runId,
    entity: p.entity,
    realmId: p.realmId,
    dateField: p.dateField,
    rangeStart: p.rangeStart,
    rangeEnd: p.rangeEnd,
    chunkDays: p.chunkDays,
    pageSize: p.pageSize,
    status: d.status,
    origin: p.origin,
    originRef: p.originRef ?? null,
    startedAt: d.startedAt,
    finishedAt: d.finishedAt,
    metrics: d.metrics,
    chunks: d.chunks.map(toChunk),
  };
}

/** The run and its chunks; a ConfigError naming the run when it does not exist. */
export async function loadRunInfo(pool: Pool, runId: string): Promise<RunInfo> {
  return toRunInfo(await new PgLedger(pool).getRunDetail(runId));
}

/** The most recent run of each entity (or of one entity), superseded runs excluded. */
export async function latestRunIds(pool: Pool, entity?: Entity): Promise<string[]> {
  const ledger = new PgLedger(pool);
  const ids: string[] = [];
  for (const e of entity ? [entity] : ENTITIES) {
    const runs = await ledger.listRuns({ entity: e, limit: 50 });
    const latest = runs.find((r) => r.status !== 'superseded');
    if (latest) ids.push(latest.runId);
  }
  return ids;
}

/**
 * SQL expression: the instant a row's window is judged by (its date field), for table alias `t`. A TxnDate that is
 * not a valid `YYYY-MM-DD` date gives NULL (db/txn-date-sql.ts), which every window comparison then reports as outside.
 */
export function dateValueSql(dateField: DateField): string {
  return dateFieldInstantSql(dateField, 't');
}
