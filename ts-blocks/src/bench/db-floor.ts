/**
 * The database floor: the time PostgreSQL needs to bulk-load the rows a backfill spooled, measured by loading
 * the very same spool files into an empty copy of the raw table (same columns, constraints and indexes) with
 * one COPY per entity. Reading and parsing the spool lines is included (a load cannot avoid it); upsert logic,
 * version comparison, the ledger and per-chunk transactions are not: they are what the exporter adds.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInterface } from 'node:readline';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataError } from '../core/errors';
import type { Entity } from '../core/events';
import type { SpoolHeader, SpooledRow } from '../spool/types';

export const FLOOR_SCHEMA = 'bench_floor';

const COLUMNS = [
  'id', 'realm_id', 'payload', 'payload_sha256', 'source_last_updated_utc', 'source_sync_token',
  'extract_window_start_utc', 'extract_window_end_utc', 'date_field', 'page_number', 'page_size',
  'request_payload', 'run_id',
] as const;

export interface DbFloor {
  readonly rows: number;
  readonly files: number;
  readonly floorMs: number;
}

/** Escapes one value for COPY's text format (backslash, tab, newline, carriage return). */
export function copyText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

function isRow(doc: Record<string, unknown>): doc is SpooledRow & Record<string, unknown> {
  return typeof doc.record === 'object' && doc.record !== null;
}

/** The COPY lines of one spool file: its header gives the window and run, each record line gives one row. */
async function* copyLines(file: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let header: SpoolHeader | undefined;
  for await (const line of lines) {
    if (!line) continue;
    const doc = JSON.parse(line) as Record<string, unknown>;
    if (header === undefined) {
      header = doc as unknown as SpoolHeader;
      continue;
    }
    if (!isRow(doc)) continue;
    const record = doc.record;
    const payload = JSON.stringify(record);
    const updated = record.MetaData?.LastUpdatedTime;
    if (!record.Id || !updated) {
      throw new DataError(`Spool file ${file} holds a record without Id or MetaData.LastUpdatedTime.`, { code: 'BENCH_SPOOL_RECORD' });
    }
    const fields = [
      record.Id, header.realm_id, payload, createHash('sha256').update(payload).digest('hex'), updated,
      record.SyncToken ?? '0', header.window_start_utc, header.window_end_utc, header.date_field,
      String(doc.page_number), String(doc.page_size), JSON.stringify(doc.request_payload), header.run_id,
    ];
    yield `${fields.map(copyText).join('\t')}\n`;
  }
}

/** Batches small strings into ~256 KiB chunks so the COPY stream is fed efficiently. */
async function* batched(files: readonly string[], counter: { rows: number }): AsyncGenerator<string> {
  let buffer = '';
  for (const file of files) {
    for await (const line of copyLines(file)) {
      counter.rows += 1;
      buffer += line;
      if (buffer.length >= 262_144) {
        yield buffer;
        buffer = '';
      }
    }
  }
  if (buffer) yield buffer;
}

/** Creates `bench_floor.qb_<entity>` as an empty copy of `raw.qb_<entity>` (columns, defaults, checks, indexes). */
export async function createEmptyCopy(client: Client, entity: Entity): Promise<string> {
  const table = `qb_${entity}`;
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${FLOOR_SCHEMA}`);
  await client.query(`DROP TABLE IF EXISTS ${FLOOR_SCHEMA}.${table}`);
  await client.query(`CREATE TABLE ${FLOOR_SCHEMA}.${table} (LIKE raw.${table} INCLUDING ALL)`);
  return `${FLOOR_SCHEMA}.${table}`;
}

/**
 * Loads `files` into a fresh empty copy of the entity's raw table in one COPY and one transaction; times it.
 * The copy is left in place for inspection: `dropFloorSchema` removes it.
 */
export async function measureDbFloor(client: Client, entity: Entity, files: readonly string[]): Promise<DbFloor> {
  const target = await createEmptyCopy(client, entity);
  // Flush what earlier writes left dirty first, so a checkpoint is not what this measurement times.
  await client.query('CHECKPOINT').catch(() => undefined);
  const counter = { rows: 0 };
  const started = process.hrtime.bigint();
  await client.query('BEGIN');
  try {
    const copy = client.query(copyFrom(`COPY ${target} (${COLUMNS.join(', ')}) FROM STDIN`));
    await pipeline(Readable.from(batched(files, counter)), copy);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
  const floorMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { rows: counter.rows, files: files.length, floorMs };
}

export async function dropFloorSchema(client: Client): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS ${FLOOR_SCHEMA} CASCADE`);
}
