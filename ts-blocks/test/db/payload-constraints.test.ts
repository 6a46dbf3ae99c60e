import type { Pool } from 'pg';
import { PAYLOAD_CONSTRAINTS, provePayloadFields } from '../../src/db/payload-constraints';
import { scanPayloads } from '../../src/validate/checks/payload-scan';
import { useInitDatabase } from '../helpers/init-database';
import { resetTables, seedCleanRun } from '../validate/fixtures';

/** A pool that records the text of every query sent through it. */
function recording(pool: Pool): { db: Pick<Pool, 'query'>; sql: string[] } {
  const sql: string[] = [];
  const db = { query: ((text: string, params?: unknown[]) => {
    sql.push(text);
    return pool.query(text, params);
  }) as Pool['query'] };
  return { db, sql };
}

describe('payload constraints: the catalog proof that spares the validator reading every payload', () => {
  const t = useInitDatabase('payload_constraints');
  beforeEach(async () => resetTables(t.c));
  afterEach(async () => {
    // Each test leaves the items table as db/init made it.
    await t.c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT IF EXISTS qb_items_last_updated');
    await t.c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT IF EXISTS qb_items_payload_id');
    await t.c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT IF EXISTS qb_items_payload_has_id');
    await resetTables(t.c);
    await t.c.query(`ALTER TABLE raw.qb_items ADD CONSTRAINT qb_items_payload_id CHECK (${PAYLOAD_CONSTRAINTS.payload_id})`);
    await t.c.query(`ALTER TABLE raw.qb_items ADD CONSTRAINT qb_items_payload_has_id CHECK (${PAYLOAD_CONSTRAINTS.payload_has_id})`);
    await t.c.query(`ALTER TABLE raw.qb_items ADD CONSTRAINT qb_items_last_updated CHECK (${PAYLOAD_CONSTRAINTS.last_updated})`);
  });

  it('finds both constraints db/init wrote, validated, on the three raw tables', async () => {
    for (const table of ['raw.qb_invoices', 'raw.qb_customers', 'raw.qb_items']) {
      const name = table.slice(4);
      expect(await provePayloadFields(t.pool, table)).toEqual({
        proved: true, constraints: [`${name}_payload_id`, `${name}_payload_has_id`, `${name}_last_updated`],
      });
    }
  });

  it('with the proof, counts from the columns alone: no payload is read, and the column checks still count', async () => {
    await seedCleanRun(t.c, { days: 14 });
    await t.c.query(`UPDATE raw.qb_items SET ingested_at_utc = source_last_updated_utc - interval '1 hour' WHERE id = '2'`);
    await t.c.query(`UPDATE raw.qb_items SET ingested_at_utc = now() + interval '1 day' WHERE id = '3'`);
    const { db, sql } = recording(t.pool);
    const counts = await scanPayloads(db, 'raw.qb_items', 0);
    expect(counts).toMatchObject({
      payload_id_mismatch: 0, missing_last_updated: 0, last_updated_without_zone: 0, last_updated_mismatch: 0,
      updated_after_ingestion: 1, ingested_in_future: 1,
      payload_fields: 'proved by validated constraints qb_items_payload_id, qb_items_payload_has_id, qb_items_last_updated',
    });
    const onTable = sql.filter((q) => q.includes('FROM raw.qb_items'));
    expect(onTable).toHaveLength(1);
    expect(onTable[0]).not.toMatch(/\bpayload\b/);
  });

  it('reads every payload when the constraint is NOT VALID (rows from before it), and counts the row it would refuse', async () => {
    await seedCleanRun(t.c, { days: 14 });
    await t.c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT qb_items_last_updated');
    await t.c.query(`UPDATE raw.qb_items SET source_last_updated_utc = source_last_updated_utc - interval '8 hours' WHERE id = '12'`);
    await t.c.query(`ALTER TABLE raw.qb_items ADD CONSTRAINT qb_items_last_updated CHECK (${PAYLOAD_CONSTRAINTS.last_updated}) NOT VALID`);
    expect(await provePayloadFields(t.pool, 'raw.qb_items')).toEqual({ proved: false, reason: 'constraint qb_items_last_updated is NOT VALID' });
    const counts = await scanPayloads(t.pool, 'raw.qb_items', 0);
    expect(counts).toMatchObject({ last_updated_mismatch: 1, payload_fields: 'read from every payload: constraint qb_items_last_updated is NOT VALID' });
  });

  it('trusts definitions, not names: a constraint of the same name that lets a bad row through proves nothing', async () => {
    await seedCleanRun(t.c, { days: 14 });
    await t.c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT qb_items_last_updated');
    const looser = PAYLOAD_CONSTRAINTS.last_updated.replace('ELSE false', 'ELSE true');
    expect(looser).not.toBe(PAYLOAD_CONSTRAINTS.last_updated);
    await t.c.query(`ALTER TABLE raw.qb_items ADD CONSTRAINT qb_items_last_updated CHECK (${looser})`);
    await t.c.query(`UPDATE raw.qb_items SET payload = jsonb_set(payload, '{MetaData,LastUpdatedTime}', '"2024-01-02T10:00:00"') WHERE id = '9'`);
    const counts = await scanPayloads(t.pool, 'raw.qb_items', 0);
    expect(counts).toMatchObject({
      last_updated_without_zone: 1,
      payload_fields: 'read from every payload: the table has no constraint qb_items_last_updated as db/init defines it',
    });
    // Another name for the exact definition is as good a proof.
    await t.c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT qb_items_payload_id');
    await t.c.query(`ALTER TABLE raw.qb_items ADD CONSTRAINT renamed_id_check CHECK (${PAYLOAD_CONSTRAINTS.payload_id})`);
    await t.c.query(`UPDATE raw.qb_items SET payload = jsonb_set(payload, '{MetaData,LastUpdatedTime}', to_jsonb(to_char(source_last_updated_utc AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))) WHERE id = '9'`);
    await t.c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT qb_items_last_updated');
    await t.c.query(`ALTER TABLE raw.qb_items ADD CONSTRAINT qb_items_last_updated CHECK (${PAYLOAD_CONSTRAINTS.last_updated})`);
    expect(await provePayloadFields(t.pool, 'raw.qb_items')).toEqual({ proved: true, constraints: ['renamed_id_check', 'qb_items_payload_has_id', 'qb_items_last_updated'] });
    await t.c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT renamed_id_check');
  });

  it('needs the payload to have an Id: the Id constraint alone lets a payload without one through (a NULL check passes)', async () => {
    await seedCleanRun(t.c, { days: 14 });
    await t.c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT qb_items_payload_has_id');
    await t.c.query(`UPDATE raw.qb_items SET payload = payload - 'Id' WHERE id = '4'`);
    const counts = await scanPayloads(t.pool, 'raw.qb_items', 0);
    expect(counts).toMatchObject({
      payload_id_mismatch: 1, payload_fields: 'read from every payload: the table has no constraint qb_items_payload_has_id as db/init defines it',
    });
    await t.c.query(`UPDATE raw.qb_items SET payload = payload || jsonb_build_object('Id', id) WHERE id = '4'`);
    await t.c.query(`ALTER TABLE raw.qb_items ADD CONSTRAINT qb_items_payload_has_id CHECK (${PAYLOAD_CONSTRAINTS.payload_has_id})`);
    expect((await provePayloadFields(t.pool, 'raw.qb_items')).proved).toBe(true);
    // (a nullable id is the primary_key check's test: it drops the primary key first)
  });

  it('reads every payload when the probe cannot run (a role that may not create a temporary table)', async () => {
    await seedCleanRun(t.c, { days: 14 });
    const refusing = { query: ((text: string, params?: unknown[]) =>
      text.startsWith('CREATE TEMP TABLE')
        ? Promise.reject(Object.assign(new Error('permission denied to create temporary tables in database'), { code: '42501' }))
        : t.pool.query(text, params)) as Pool['query'] };
    const counts = await scanPayloads(refusing, 'raw.qb_items', 0);
    expect(counts.rows).toBeGreaterThan(0);
    expect(counts.payload_fields).toBe('read from every payload: the constraints could not be compared (permission denied to create temporary tables in database)');
  });
});
