import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { copyText, dropFloorSchema, FLOOR_SCHEMA, measureDbFloor } from '../../src/bench/db-floor';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

const RUN_ID = '5b0f3c1e-6a36-4c4e-9a51-0d3b2a1c9e77';

function spoolFile(dir: string, name: string, ids: number[]): string {
  const header = {
    spool: 'qbo-backfill/1', run_id: RUN_ID, entity: 'items', realm_id: '9130', chunk_index: 0,
    window_start_utc: '2024-01-01T00:00:00.000Z', window_end_utc: '2024-01-08T00:00:00.000Z',
    date_field: 'last_updated', created_at_utc: '2024-02-01T00:00:00.000Z',
  };
  const request_payload = { method: 'POST', path: '/v3/company/9130/query', params: { minorversion: 75 }, query: 'SELECT * FROM Item' };
  const rows = ids.map((id) => ({
    page_number: 1, page_size: 1000, request_payload,
    record: { Id: String(id), SyncToken: '2', Name: `Tab\there \\ "quoted"\nline`, MetaData: { LastUpdatedTime: '2024-01-02T10:00:00-08:00' } },
  }));
  const footer = { end: true, rows: ids.length, pages: 1, source_count: ids.length };
  const file = join(dir, name);
  writeFileSync(file, [header, ...rows, footer].map((d) => JSON.stringify(d)).join('\n') + '\n');
  return file;
}

describe('database floor', () => {
  let db: TestDatabase;
  let client: Client;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('bench_floor');
    await db.applyInit();
    client = await db.client();
    dir = mkdtempSync(join(tmpdir(), 'bench-floor-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  test('COPY text escapes backslashes, tabs and line breaks', () => {
    expect(copyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
  });

  test('every spooled row of every file is loaded into an empty copy of the raw table, payload intact', async () => {
    const files = [spoolFile(dir, 'chunk-00000.ndjson', [1, 2, 3]), spoolFile(dir, 'chunk-00001.ndjson', [4, 5])];
    const floor = await measureDbFloor(client, 'items', files);
    const loaded = (
      await client.query(`SELECT id, payload->>'Name' AS name, source_last_updated_utc, realm_id FROM ${FLOOR_SCHEMA}.qb_items ORDER BY id`)
    ).rows;
    expect(floor.rows).toBe(5);
    expect(floor.files).toBe(2);
    expect(floor.floorMs).toBeGreaterThan(0);
    expect(loaded).toHaveLength(5);
    expect(loaded[0]).toEqual({
      id: '1', name: 'Tab\there \\ "quoted"\nline', realm_id: '9130', source_last_updated_utc: new Date('2024-01-02T18:00:00Z'),
    });
    const raw = await client.query('SELECT count(*)::int AS n FROM raw.qb_items');
    expect(raw.rows[0].n).toBe(0);
    await dropFloorSchema(client);
    const left = await client.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = '${FLOOR_SCHEMA}'`);
    expect(left.rows[0].n).toBe(0);
  });
});
