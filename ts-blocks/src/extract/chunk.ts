/**
 * Extracts one chunk: scan its window page by page into a spool file, capture the window's COUNT(*), record the
 * result in the ledger. On failure the unfinished spool file is removed and the chunk is marked failed.
 */
import { toBackfillError, type BackfillError } from '../core/errors';
import type { ChunkMetrics, Entity, EventSink } from '../core/events';
import type { DateField } from '../core/types';
import type { DateFieldMapping, EntityDefinition } from '../entities/types';
import type { Clock } from '../http/clock';
import type { QboClient } from '../http/qbo-client';
import type { ChunkPlan, ExtractResult, Ledger } from '../ledger/types';
import { scanWindow } from '../paginate/keyset';
import type { ScanMetrics } from '../paginate/types';
import { fetchCount } from '../query/execute';
import { windowConditions } from '../query/builder';
import { spoolPath } from '../spool/paths';
import { SpoolWriter, type CompletedSpool } from '../spool/writer';

export interface ChunkContext {
  readonly runId: string;
  readonly chunkCount: number;
  readonly entity: EntityDefinition;
  readonly dateField: DateField;
  readonly mapping: DateFieldMapping;
  readonly realmId: string;
  readonly pageSize: number;
  readonly spoolDir: string;
  readonly client: QboClient;
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly emit: EventSink;
  readonly signal?: AbortSignal;
}

export interface ChunkOutcome {
  readonly spool: CompletedSpool;
  readonly sourceCount: number;
  readonly metrics: ExtractResult['metrics'];
}

export function chunkEvent(ctx: ChunkContext, chunk: ChunkPlan, status: 'started' | 'done' | 'skipped' | 'failed') {
  return {
    type: 'chunk' as const,
    phase: 'extract' as const,
    entity: ctx.entity.name as Entity,
    run_id: ctx.runId,
    chunk_index: chunk.index,
    chunk_count: ctx.chunkCount,
    window_start_utc: chunk.windowStart.toISOString(),
    window_end_utc: chunk.windowEnd.toISOString(),
    status,
  };
}

async function scanToSpool(ctx: ChunkContext, chunk: ChunkPlan, metrics: ScanMetrics): Promise<{ spool: CompletedSpool; sourceCount: number }> {
  const writer = await SpoolWriter.open(spoolPath(ctx.spoolDir, ctx.runId, ctx.entity.name, chunk.index), {
    run_id: ctx.runId,
    entity: ctx.entity.name,
    realm_id: ctx.realmId,
    chunk_index: chunk.index,
    window_start_utc: chunk.windowStart.toISOString(),
    window_end_utc: chunk.windowEnd.toISOString(),
    date_field: ctx.dateField,
  });
  try {
    const options = { client: ctx.client, entity: ctx.entity, dateField: ctx.mapping, windowStart: chunk.windowStart, windowEnd: chunk.windowEnd };
    for await (const page of scanWindow({ ...options, pageSize: ctx.pageSize, metrics, signal: ctx.signal })) await writer.writePage(page);
    const target = { entity: ctx.entity, dateField: ctx.mapping, conditions: windowConditions(chunk.windowStart, chunk.windowEnd) };
    const sourceCount = await fetchCount(ctx.client, target, { metrics, signal: ctx.signal });
    const spool = await writer.complete({ pages: metrics.pages_read, sourceCount });
    return { spool, sourceCount };
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

/** Extracts one chunk; throws the chunk's classified error after recording it in the ledger. */
export async function extractChunk(ctx: ChunkContext, chunk: ChunkPlan): Promise<ChunkOutcome> {
  const started = ctx.clock.now();
  const metrics: ScanMetrics = { pages_read: 0, api_calls: 0, retries: 0, throttled: 0 };
  const snapshot = (rows: number): ExtractResult['metrics'] => ({ ...metrics, rows_read: rows, duration_ms: ctx.clock.now() - started });
  ctx.emit(chunkEvent(ctx, chunk, 'started'));
  await ctx.ledger.chunkExtracting(ctx.runId, chunk.index);
  let spool: CompletedSpool;
  let sourceCount: number;
  try {
    ({ spool, sourceCount } = await scanToSpool(ctx, chunk, metrics));
  } catch (e) {
    const err: BackfillError = toBackfillError(e);
    await ctx.ledger.chunkFailed(ctx.runId, chunk.index, err);
    ctx.emit({ ...chunkEvent(ctx, chunk, 'failed'), metrics: snapshot(0) as Partial<ChunkMetrics>, reason: err.message });
    throw err;
  }
  const result: ExtractResult = { spoolPath: spool.path, sourceCount, metrics: snapshot(spool.rows) };
  await ctx.ledger.chunkExtracted(ctx.runId, chunk.index, result);
  ctx.emit({ ...chunkEvent(ctx, chunk, 'done'), metrics: { ...result.metrics, source_count: sourceCount } });
  if (spool.superseded > 0) {
    ctx.emit({
      type: 'log',
      level: 'info',
      phase: 'extract',
      entity: ctx.entity.name,
      code: 'RECORDS_UPDATED_MID_SCAN',
      message: `Chunk ${chunk.index}: ${spool.superseded} record(s) changed during the scan; only their newest version is spooled.`,
      tags: { chunk_index: chunk.index, superseded: spool.superseded },
    });
  }
  return { spool, sourceCount, metrics: result.metrics };
}
