import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, INIT_DIR, type TestDatabase } from '../helpers/db';

describe('db/init', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('init');
  });
  afterAll(async () => db.drop());

  it('creates the raw and ops tables and can be applied twice', async () => {
    await db.applyInit();
    await db.applyInit();
    const c = await db.client();
    const { rows } = await c.query(
      `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
        WHERE table_schema IN ('raw','ops') ORDER BY 1`,
    );
    expect(rows.map((r) => r.t)).toEqual([
      'ops.backfill_chunks',
      'ops.backfill_runs',
      'ops.realm_leases',
      'ops.source_deletions',
      'ops.staged_spools',
      'ops.unstorable_payloads',
      'ops.validation_results',
      'raw.qb_customers',
      'raw.qb_invoices',
      'raw.qb_items',
    ]);
  });

  it('rejects a row outside its last_updated window, a payload whose Id differs, and a LastUpdatedTime that is not the row\'s instant', async () => {
    const c = await db.client();
    const insert = (id: string, payloadId: string, updated: string, payloadUpdated: string | null = updated) =>
      c.query(
        `INSERT INTO raw.qb_items (id, realm_id, payload, payload_sha256, source_last_updated_utc,
           extract_window_start_utc, extract_window_end_utc, page_number, page_size, request_payload, run_id)
         VALUES ($1, 'r1', jsonb_build_object('Id', $2::text, 'MetaData', jsonb_strip_nulls(jsonb_build_object('LastUpdatedTime', $4::text))),
           repeat('a', 64), $3, '2024-01-01T00:00:00Z', '2024-01-08T00:00:00Z', 1, 1000, '{}', gen_random_uuid())`,
        [id, payloadId, updated, payloadUpdated],
      );
    await expect(insert('1', '1', '2024-01-02T00:00:00Z')).resolves.toBeDefined();
    await expect(insert('2', '2', '2024-01-08T00:00:00Z')).rejects.toThrow(/qb_items_in_window/);
    await expect(insert('3', '4', '2024-01-02T00:00:00Z')).rejects.toThrow(/qb_items_payload_id/);
    await expect(c.query(
      `INSERT INTO raw.qb_items (id, realm_id, payload, payload_sha256, source_last_updated_utc, extract_window_start_utc,
         extract_window_end_utc, page_number, page_size, request_payload, run_id)
       VALUES ('11', 'r1', '{"MetaData": {"LastUpdatedTime": "2024-01-02T00:00:00Z"}}', repeat('a', 64), '2024-01-02T00:00:00Z',
         '2024-01-01T00:00:00Z', '2024-01-08T00:00:00Z', 1, 1000, '{}', gen_random_uuid())`,
    )).rejects.toThrow(/qb_items_payload_has_id/);
    // The same instant written with QBO's Pacific offset, or with microseconds, is the row's instant.
    await expect(insert('5', '5', '2024-01-02T08:00:00Z', '2024-01-02T00:00:00-08:00')).resolves.toBeDefined();
    await expect(insert('6', '6', '2024-01-02T08:00:00.123456Z', '2024-01-02T00:00:00.123456-0800')).resolves.toBeDefined();
    await expect(insert('7', '7', '2024-01-02T08:00:00Z', '2024-01-02T08:00:00-08:00')).rejects.toThrow(/qb_items_last_updated/);
    await expect(insert('8', '8', '2024-01-02T08:00:00Z', '2024-01-02T08:00:00')).rejects.toThrow(/qb_items_last_updated/);
    await expect(insert('9', '9', '2024-01-02T08:00:00Z', null)).rejects.toThrow(/qb_items_last_updated/);
    await expect(insert('10', '10', '2024-01-02T08:00:00Z', '2024-01-02 08:00:00Z')).rejects.toThrow(/qb_items_last_updated/);
    const { rows } = await c.query(
      `SELECT conname FROM pg_constraint WHERE (conname LIKE '%\\_last\\_updated' OR conname LIKE '%\\_payload\\_has\\_id') AND convalidated ORDER BY 1`,
    );
    expect(rows.map((r) => r.conname)).toEqual([
      'qb_customers_last_updated', 'qb_customers_payload_has_id', 'qb_invoices_last_updated', 'qb_invoices_payload_has_id',
      'qb_items_last_updated', 'qb_items_payload_has_id',
    ]);
  });

  it('adds the deletion and repair columns to a database made before them, in place: rows kept, no table rewrite', async () => {
    const c = await db.client();
    await c.query('DROP SCHEMA raw CASCADE; DROP SCHEMA ops CASCADE');
    const before = readdirSync(INIT_DIR).filter((f) => f.endsWith('.sql') && f < '060').sort();
    for (const f of before) await c.query(readFileSync(join(INIT_DIR, f), 'utf8'));
    await c.query(
      `INSERT INTO raw.qb_invoices (id, realm_id, payload, payload_sha256, source_last_updated_utc,
         extract_window_start_utc, extract_window_end_utc, page_number, page_size, request_payload, run_id)
       VALUES ('7', 'r1', '{"Id":"7"}', repeat('b', 64), '2024-01-02T00:00:00Z',
         '2024-01-01T00:00:00Z', '2024-01-08T00:00:00Z', 1, 1000, '{}', gen_random_uuid())`,
    );
    const node = async () => (await c.query(`SELECT pg_relation_filenode('raw.qb_invoices') AS n`)).rows[0].n as string;
    const filenode = await node();
    await db.applyInit();
    await db.applyInit();
    expect(await node()).toBe(filenode);
    const { rows } = await c.query('SELECT id, source_deleted_at_utc, source_deleted_by, payload_repaired FROM raw.qb_invoices');
    expect(rows).toEqual([{ id: '7', source_deleted_at_utc: null, source_deleted_by: null, payload_repaired: false }]);
    // The row has no LastUpdatedTime: the constraint added after it is kept NOT VALID (new rows are checked), and
    // db init still succeeds; once the row is mended, the next db init validates it.
    const state = async () =>
      (await c.query(`SELECT convalidated FROM pg_constraint WHERE conname IN ('qb_invoices_payload_has_id', 'qb_invoices_last_updated') ORDER BY conname`))
        .rows.map((r) => r.convalidated as boolean);
    // (last_updated, payload_has_id)
    expect(await state()).toEqual([false, true]);
    await c.query(`UPDATE raw.qb_invoices SET payload = '{"Id":"7","MetaData":{"LastUpdatedTime":"2024-01-01T16:00:00-08:00"}}' WHERE id = '7'`);
    await db.applyInit();
    expect(await state()).toEqual([true, true]);
    expect(await node()).toBe(filenode);
  });
});
