/**
 * A clean backfill written straight into ops + raw with SQL (no extractor, no loader): one run of `items` over
 * `days` days cut into `chunkDays` windows, `perDay(i)` records on day i, every window's source_count exact.
 * Tests then plant one problem and check that exactly the right check fires. Spool files can be written too.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import type { Entity } from '../../src/core/events';
import { payloadSha256Sql } from '../../src/store/payload-hash';

export interface SeedOptions {
  readonly entity?: Entity;
  readonly start?: string;
  readonly days?: number;
  readonly chunkDays?: number;
  readonly perDay?: (day: number) => number;
  readonly realmId?: string;
  /** Directory to write one spool file per chunk into (spool_path set accordingly). */
  readonly spoolDir?: string;
}

export interface SeededRecord {
  readonly id: string;
  readonly payload: Record<string, unknown>;
  readonly lastUpdated: Date;
  readonly chunk: number;
  readonly page: number;
}

export interface SeededRun {
  readonly runId: string;
  readonly entity: Entity;
  readonly table: string;
  readonly realmId: string;
  readonly start: Date;
  readonly end: Date;
  readonly windows: ReadonlyArray<[Date, Date]>;
  readonly records: readonly SeededRecord[];
  readonly spoolPaths: readonly string[];
}

const DAY = 86_400_000;
export const DEFAULT_PER_DAY = (i: number): number => 20 + ((i * 7) % 9);

/** `2024-01-03T04:05:06-08:00`: how QBO writes LastUpdatedTime (Pacific offset). */
export function pacific(at: Date): string {
  return `${new Date(at.getTime() - 8 * 3600_000).toISOString().slice(0, 19)}-08:00`;
}

/** payload_sha256 of a jsonb value as the exporter computes it, for SQL that writes rows directly. */
export const SHA_OF = payloadSha256Sql;

function record(id: number, at: Date, chunk: number, page: number): SeededRecord {
  const payload = { Id: String(id), SyncToken: '0', Name: `Item ${id}`, Active: true, MetaData: { CreateTime: pacific(at), LastUpdatedTime: pacific(at) } };
  return { id: String(id), payload, lastUpdated: at, chunk, page };
}

function buildRecords(start: Date, days: number, windows: ReadonlyArray<[Date, Date]>, perDay: (d: number) => number): SeededRecord[] {
  const out: SeededRecord[] = [];
  const perChunk = new Map<number, number>();
  let id = 1;
  for (let d = 0; d < days; d += 1) {
    const n = perDay(d);
    for (let k = 0; k < n; k += 1) {
      const at = new Date(start.getTime() + d * DAY + Math.floor(((k + 0.5) * DAY) / n / 1000) * 1000);
      const chunk = windows.findIndex(([s, e]) => s <= at && at < e);
      const pos = perChunk.get(chunk) ?? 0;
      perChunk.set(chunk, pos + 1);
      out.push(record(id, at, chunk, Math.floor(pos / 1000) + 1));
      id += 1;
    }
  }
  return out;
}

export function requestPayload(entity: Entity, realmId: string, s: Date, e: Date): Record<string, unknown> {
  const name = { invoices: 'Invoice', customers: 'Customer', items: 'Item' }[entity];
  return { method: 'POST', path: `/v3/company/${realmId}/query`, params: { minorversion: 75 },
    query: `SELECT * FROM ${name} WHERE MetaData.LastUpdatedTime >= '${s.toISOString()}' AND MetaData.LastUpdatedTime < '${e.toISOString()}' ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 1000` };
}

export async function resetTables(c: Client): Promise<void> {
  await c.query('TRUNCATE raw.qb_items, raw.qb_invoices, raw.qb_customers, ops.validation_results, ops.backfill_chunks, ops.backfill_runs');
}

export async function insertRows(c: Client, run: Pick<SeededRun, 'runId' | 'table' | 'realmId' | 'entity' | 'windows'>, records: readonly SeededRecord[]): Promise<void> {
  const rows = records.map((r) => ({
    id: r.id, payload: r.payload, lu: r.lastUpdated.toISOString(),
    ws: run.windows[r.chunk][0].toISOString(), we: run.windows[r.chunk][1].toISOString(), page: r.page,
    req: requestPayload(run.entity, run.realmId, run.windows[r.chunk][0], run.windows[r.chunk][1]),
  }));
  await c.query(
    `INSERT INTO ${run.table} (id, realm_id, payload, payload_sha256, source_last_updated_utc, source_sync_token,
        extract_window_start_utc, extract_window_end_utc, date_field, page_number, page_size, request_payload, run_id)
     SELECT x.id, $2, x.payload, ${payloadSha256Sql('x.payload')}, x.lu, 0, x.ws, x.we, 'last_updated', x.page, 1000, x.req, $3
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, payload jsonb, lu timestamptz, ws timestamptz, we timestamptz, page int, req jsonb)`,
    [JSON.stringify(rows), run.realmId, run.runId],
  );
}

export function writeSpool(path: string, run: SeededRun, chunk: number, records: readonly SeededRecord[], sourceCount: number | null): void {
  const [s, e] = run.windows[chunk];
  const header = { spool: 'qbo-backfill/1', run_id: run.runId, entity: run.entity, realm_id: run.realmId, chunk_index: chunk,
    window_start_utc: s.toISOString(), window_end_utc: e.toISOString(), date_field: 'last_updated', created_at_utc: new Date().toISOString() };
  const lines = records.map((r) => JSON.stringify({ page_number: r.page, page_size: 1000, request_payload: requestPayload(run.entity, run.realmId, s, e), record: r.payload }));
  const footer = { end: true, rows: records.length, pages: Math.max(1, Math.ceil(records.length / 1000)), source_count: sourceCount };
  writeFileSync(path, `${[JSON.stringify(header), ...lines, JSON.stringify(footer)].join('\n')}\n`);
}

export async function seedCleanRun(c: Client, o: SeedOptions = {}): Promise<SeededRun> {
  const entity = o.entity ?? 'items';
  const start = new Date(o.start ?? '2024-01-01T00:00:00Z');
  const days = o.days ?? 56;
  const chunkDays = o.chunkDays ?? 7;
  const realmId = o.realmId ?? '9130350000000001';
  const end = new Date(start.getTime() + days * DAY);
  const windows: Array<[Date, Date]> = [];
  for (let t = start.getTime(); t < end.getTime(); t += chunkDays * DAY) windows.push([new Date(t), new Date(Math.min(t + chunkDays * DAY, end.getTime()))]);
  const runId = randomUUID();
  const table = `raw.qb_${entity}`;
  const records = buildRecords(start, days, windows, o.perDay ?? DEFAULT_PER_DAY);
  const spoolPaths = o.spoolDir ? windows.map((_, i) => join(o.spoolDir as string, runId, entity, `chunk-${String(i).padStart(5, '0')}.ndjson`)) : [];
  const run: SeededRun = { runId, entity, table, realmId, start, end, windows, records, spoolPaths };
  await c.query(
    `INSERT INTO ops.backfill_runs (run_id, entity, realm_id, date_field, range_start_utc, range_end_utc, chunk_days, page_size, status, started_at_utc, finished_at_utc)
     VALUES ($1, $2, $3, 'last_updated', $4, $5, $6, 1000, 'succeeded', now() - interval '10 minutes', now())`,
    [runId, entity, realmId, start, end, chunkDays],
  );
  for (const [i, [s, e]] of windows.entries()) {
    const inChunk = records.filter((r) => r.chunk === i);
    const spool = spoolPaths[i] ?? null;
    if (spool) {
      mkdirSync(join(spool, '..'), { recursive: true });
      writeSpool(spool, run, i, inChunk, inChunk.length);
    }
    await c.query(
      `INSERT INTO ops.backfill_chunks (run_id, chunk_index, window_start_utc, window_end_utc, status, spool_path, source_count,
          pages_read, rows_read, rows_inserted, api_calls, extract_ms, load_ms, attempts, extracted_at_utc, loaded_at_utc)
       VALUES ($1, $2, $3, $4, 'loaded', $5, $6, $7, $6, $6, $7 + 1, 800, 120, 1, now() - interval '5 minutes', now() - interval '4 minutes')`,
      [runId, i, s, e, spool, inChunk.length, Math.max(1, Math.ceil(inChunk.length / 1000))],
    );
  }
  await insertRows(c, run, records);
  return run;
}
