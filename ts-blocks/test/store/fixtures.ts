/** Small builders for load tests: QBO-shaped records, spooled rows, and a ledger run whose chunks are extracted. */
import type { Entity } from '../../src/core/events';
import type { PgLedger } from '../../src/ledger/pg-ledger';
import type { ChunkPlan, RunState } from '../../src/ledger/types';
import { SpoolWriter, spoolPath } from '../../src/spool';
import type { CompletedSpool, LineTap } from '../../src/spool/writer';
import type { PreStager } from '../../src/store/pre-stage';
import type { QboRecord, SpooledRow } from '../../src/spool/types';
import type { ChunkTarget } from '../../src/store/staging-row';

export const DAY = 86_400_000;
export const RANGE_START = new Date('2024-01-01T00:00:00Z');

/** A QBO-like item; `updated` is sent, as QBO does, with a Pacific offset. */
export function item(id: string, updated: string, syncToken = 0, extra: Record<string, unknown> = {}): QboRecord {
  return {
    Id: id,
    SyncToken: String(syncToken),
    Name: `Item ${id}`,
    Active: true,
    UnitPrice: 10.5,
    MetaData: { CreateTime: '2023-12-01T08:00:00-08:00', LastUpdatedTime: updated },
    domain: 'QBO',
    sparse: false,
    ...extra,
  };
}

export function spooled(records: readonly QboRecord[], pageSize = 2): SpooledRow[] {
  return records.map((record, i) => ({
    page_number: Math.floor(i / pageSize) + 1,
    page_size: pageSize,
    request_payload: {
      method: 'POST',
      path: '/v3/company/realm/query',
      params: { minorversion: 75 },
      query: `SELECT * FROM Item STARTPOSITION ${Math.floor(i / pageSize) * pageSize + 1} MAXRESULTS ${pageSize}`,
    },
    record,
  }));
}

export async function* iterate<T>(values: readonly T[]): AsyncGenerator<T> {
  for (const v of values) yield v;
}

export function weeklyPlan(n: number): ChunkPlan[] {
  return Array.from({ length: n }, (_, index) => ({
    index,
    windowStart: new Date(RANGE_START.getTime() + index * 7 * DAY),
    windowEnd: new Date(RANGE_START.getTime() + (index + 1) * 7 * DAY),
  }));
}

/** Opens a fresh run with `n` weekly chunks, all marked extracted. */
export async function extractedRun(ledger: PgLedger, entity: Entity, realmId: string, n = 2): Promise<RunState> {
  const plan = weeklyPlan(n);
  const run = await ledger.openRun(
    {
      entity,
      realmId,
      dateField: 'last_updated',
      rangeStart: RANGE_START,
      rangeEnd: new Date(RANGE_START.getTime() + n * 7 * DAY),
      chunkDays: 7,
      pageSize: 2,
      resume: false,
      force: false,
      origin: 'cli',
    },
    plan,
  );
  for (const c of plan) {
    await ledger.chunkExtracted(run.runId, c.index, {
      spoolPath: `/spool/${run.runId}/${c.index}.ndjson`,
      sourceCount: null,
      metrics: { pages_read: 1, rows_read: 0, api_calls: 1, retries: 0, throttled: 0, duration_ms: 1 },
    });
  }
  return run;
}

export function target(run: RunState, index: number): ChunkTarget {
  const chunk = run.chunks[index];
  if (!chunk) throw new Error(`no chunk ${index}`);
  return {
    runId: run.runId,
    entity: run.params.entity,
    realmId: run.params.realmId,
    dateField: run.params.dateField,
    chunkIndex: index,
    windowStart: chunk.windowStart,
    windowEnd: chunk.windowEnd,
  };
}

/** Writes a complete spool file for chunk `index` of `run` with the extract side's writer; returns its path. */
export async function writeChunkSpool(dir: string, run: RunState, index: number, records: readonly QboRecord[], pageSize = 2): Promise<string> {
  return (await writeChunkSpoolTapped(dir, run, index, records, pageSize)).path;
}

/** writeChunkSpool, with `tap` seeing every line written; returns what the writer completed. */
export async function writeChunkSpoolTapped(
  dir: string,
  run: RunState,
  index: number,
  records: readonly QboRecord[],
  pageSize = 2,
  tap?: LineTap,
): Promise<CompletedSpool> {
  const chunk = run.chunks[index];
  if (!chunk) throw new Error(`no chunk ${index}`);
  const path = spoolPath(dir, run.runId, run.params.entity, index);
  const writer = await SpoolWriter.open(path, {
    run_id: run.runId,
    entity: run.params.entity,
    realm_id: run.params.realmId,
    chunk_index: index,
    window_start_utc: chunk.windowStart.toISOString(),
    window_end_utc: chunk.windowEnd.toISOString(),
    date_field: run.params.dateField,
  }, tap);
  const rows = spooled(records, pageSize);
  for (let p = 0; p * pageSize < rows.length; p++) {
    const page = rows.slice(p * pageSize, (p + 1) * pageSize);
    await writer.writePage({ pageNumber: p + 1, pageSize, request: page[0]!.request_payload, records: page.map((r) => r.record) });
  }
  return writer.complete({ pages: Math.ceil(rows.length / pageSize), sourceCount: records.length });
}

/** Opens a run with `n` weekly chunks (not extracted yet). */
export async function openItemsRun(ledger: PgLedger, realmId: string, n = 2, force = true): Promise<RunState> {
  return ledger.openRun(
    {
      entity: 'items',
      realmId,
      dateField: 'last_updated',
      rangeStart: RANGE_START,
      rangeEnd: new Date(RANGE_START.getTime() + n * 7 * DAY),
      chunkDays: 7,
      pageSize: 2,
      resume: true,
      force,
      origin: 'cli',
    },
    weeklyPlan(n),
  );
}

/** Writes the chunk's spool and marks it extracted in the ledger, as the loader does. */
export async function extractChunk(ledger: PgLedger, dir: string, run: RunState, index: number, records: readonly QboRecord[]): Promise<string> {
  const path = await writeChunkSpool(dir, run, index, records);
  await markExtracted(ledger, run, index, path, records.length);
  return path;
}

/**
 * Extracts the chunks as one segment whose lines `stager` copies into PostgreSQL (store/pre-stage.ts), as the loader
 * does; returns the spool paths and the chunks the stager marked staged.
 */
export async function extractStaged(
  ledger: PgLedger,
  stager: PreStager,
  dir: string,
  run: RunState,
  chunks: readonly QboRecord[][],
): Promise<{ paths: string[]; staged: number[] }> {
  const segment = await stager.begin(run.runId, chunks.map((_, i) => i));
  const done: Array<{ chunkIndex: number; spool: CompletedSpool }> = [];
  for (const [i, records] of chunks.entries()) done.push({ chunkIndex: i, spool: await writeChunkSpoolTapped(dir, run, i, records, 2, segment?.tap(i)) });
  const staged = (await segment?.complete(done)) ?? [];
  for (const [i, records] of chunks.entries()) await markExtracted(ledger, run, i, done[i]!.spool.path, records.length);
  return { paths: done.map((d) => d.spool.path), staged };
}

async function markExtracted(ledger: PgLedger, run: RunState, index: number, path: string, rows: number): Promise<void> {
  await ledger.chunkExtracting(run.runId, index);
  await ledger.chunkExtracted(run.runId, index, {
    spoolPath: path,
    sourceCount: rows,
    metrics: { pages_read: Math.ceil(rows / 2), rows_read: rows, api_calls: 2, retries: 0, throttled: 0, duration_ms: 5 },
  });
}
