import type { Pool } from 'pg';
import { sharedPayloadScan } from '../../src/validate/checks/payload-scan';
import { checkPrimaryKey } from '../../src/validate/checks/primary-key';
import { checkTimestamps } from '../../src/validate/checks/timestamps';
import { validationOptions } from '../../src/validate/options';
import { loadRunInfo } from '../../src/validate/run-info';
import { useInitDatabase } from '../helpers/init-database';
import { resetTables, seedCleanRun } from './fixtures';

describe('primary_key check', () => {
  const t = useInitDatabase('validate_pk');
  beforeEach(async () => resetTables(t.c));

  it('is ok on a clean backfill', async () => {
    const seeded = await seedCleanRun(t.c, { days: 14 });
    const [r] = await checkPrimaryKey(t.pool, await loadRunInfo(t.pool, seeded.runId));
    expect(r.severity).toBe('ok');
    expect(r.details).toMatchObject({
      rows: seeded.records.length, null_or_blank_ids: 0, duplicate_copies: 0, duplicates_ruled_out_by: 'unique index raw.qb_items_pkey',
      payload_fields: 'proved by validated constraints qb_items_payload_id, qb_items_payload_has_id, qb_items_last_updated',
    });
    expect(r.message).toMatch(/unique \(enforced by unique index raw\.qb_items_pkey\)/);
  });

  describe('on a table without its constraints', () => {
    beforeAll(async () => {
      await t.c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT qb_items_pkey');
      await t.c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT qb_items_id_not_blank');
      await t.c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT qb_items_payload_id');
      await t.c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT qb_items_payload_has_id');
      await t.c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT qb_items_last_updated');
      await t.c.query('ALTER TABLE raw.qb_items ALTER COLUMN id DROP NOT NULL');
    });

    it('detects a planted duplicate id and names it', async () => {
      const seeded = await seedCleanRun(t.c, { days: 14 });
      await t.c.query(`INSERT INTO raw.qb_items SELECT * FROM raw.qb_items WHERE id = '17'`);
      const [r] = await checkPrimaryKey(t.pool, await loadRunInfo(t.pool, seeded.runId));
      expect(r.severity).toBe('failure');
      expect(r.details).toMatchObject({ duplicate_copies: 1, duplicate_ids: [{ id: '17', copies: 2 }], duplicates_ruled_out_by: 'a count of every id' });
      expect(r.message).toMatch(/extra copies .*17/);
    });

    it('counts every id when the only unique indexes touching id are partial, on an expression, on two columns or not valid', async () => {
      const seeded = await seedCleanRun(t.c, { days: 14 });
      await t.c.query(`INSERT INTO raw.qb_items SELECT * FROM raw.qb_items WHERE id = '17'`);
      await t.c.query(`UPDATE raw.qb_items SET payload_sha256 = repeat('0', 64) WHERE ctid = (SELECT max(ctid) FROM raw.qb_items WHERE id = '17')`);
      const indexes = [
        `CREATE UNIQUE INDEX qb_items_partial_id ON raw.qb_items (id) WHERE id <> '17'`,
        `CREATE UNIQUE INDEX qb_items_expr_id ON raw.qb_items ((id || payload_sha256))`,
        `CREATE UNIQUE INDEX qb_items_two_cols ON raw.qb_items (id, payload_sha256)`,
      ];
      try {
        for (const sql of indexes) await t.c.query(sql);
        const [r] = await checkPrimaryKey(t.pool, await loadRunInfo(t.pool, seeded.runId));
        expect(r.severity).toBe('failure');
        expect(r.details).toMatchObject({ duplicate_copies: 1, duplicates_ruled_out_by: 'a count of every id' });
        // An index that failed to build is left invalid: it proves nothing either.
        await expect(t.c.query('CREATE UNIQUE INDEX CONCURRENTLY qb_items_invalid_id ON raw.qb_items (id)')).rejects.toThrow(/could not create unique index/);
        const [again] = await checkPrimaryKey(t.pool, await loadRunInfo(t.pool, seeded.runId));
        expect(again.details).toMatchObject({ duplicate_copies: 1, duplicates_ruled_out_by: 'a count of every id' });
      } finally {
        for (const name of ['qb_items_partial_id', 'qb_items_expr_id', 'qb_items_two_cols', 'qb_items_invalid_id']) {
          await t.c.query(`DROP INDEX IF EXISTS raw.${name}`);
        }
      }
    });

    it('detects a planted null id and a blank id', async () => {
      const seeded = await seedCleanRun(t.c, { days: 14 });
      await t.c.query(`UPDATE raw.qb_items SET id = NULL WHERE id = '3'`);
      await t.c.query(`UPDATE raw.qb_items SET id = '  ' WHERE id = '4'`);
      const [r] = await checkPrimaryKey(t.pool, await loadRunInfo(t.pool, seeded.runId));
      expect(r.severity).toBe('failure');
      expect(r.details).toMatchObject({ null_or_blank_ids: 2, duplicate_copies: 0 });
      expect(r.message).toMatch(/2 row\(s\) with a null or blank id/);
    });

    it('counts repeated null and blank ids as missing ids, not as duplicates', async () => {
      const seeded = await seedCleanRun(t.c, { days: 14 });
      await t.c.query(`UPDATE raw.qb_items SET id = NULL WHERE id IN ('3', '4')`);
      await t.c.query(`UPDATE raw.qb_items SET id = ' ' WHERE id IN ('9', '10')`);
      await t.c.query(`INSERT INTO raw.qb_items SELECT * FROM raw.qb_items WHERE id = '11'`);
      const [r] = await checkPrimaryKey(t.pool, await loadRunInfo(t.pool, seeded.runId));
      expect(r.details).toMatchObject({ rows: seeded.records.length + 1, null_or_blank_ids: 4, duplicate_copies: 1, duplicate_ids: [{ id: '11', copies: 2 }] });
    });

    it('detects an id that is not the payload Id', async () => {
      const seeded = await seedCleanRun(t.c, { days: 14 });
      await t.c.query(`UPDATE raw.qb_items SET id = '99999' WHERE id = '5'`);
      const [r] = await checkPrimaryKey(t.pool, await loadRunInfo(t.pool, seeded.runId));
      expect(r.severity).toBe('failure');
      expect(r.details).toMatchObject({ payload_id_mismatches: 1, payload_id_mismatch_sample: [{ id: '99999', payload_id: '5' }] });
      expect(r.details.payload_fields).toBe('read from every payload: its id column may be NULL');
    });

    it('counts a payload that is not a JSON object as not matching its id (the one-read scan falls back to field reads)', async () => {
      const seeded = await seedCleanRun(t.c, { days: 14 });
      await t.c.query(`UPDATE raw.qb_items SET payload = '"6"'::jsonb WHERE id = '6'`);
      await t.c.query(`UPDATE raw.qb_items SET payload = '[7]'::jsonb WHERE id = '7'`);
      const [r] = await checkPrimaryKey(t.pool, await loadRunInfo(t.pool, seeded.runId));
      expect(r.severity).toBe('failure');
      expect(r.details).toMatchObject({ payload_id_mismatches: 2, payload_id_mismatch_sample: [{ id: '6', payload_id: null }, { id: '7', payload_id: null }] });
    });
  });

  it('shares one payload scan with timestamps_utc: the scan runs once, both checks judge from it', async () => {
    const seeded = await seedCleanRun(t.c, { days: 14 });
    await t.c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT IF EXISTS qb_items_last_updated');
    await t.c.query(`UPDATE raw.qb_items SET source_last_updated_utc = source_last_updated_utc + interval '7 hours' WHERE id = '8'`);
    let scans = 0;
    const counting = { query: ((sql: string, params?: unknown[]) => {
      if (sql.includes('jsonb_to_record')) scans += 1;
      return t.pool.query(sql, params);
    }) as Pool['query'] };
    const info = await loadRunInfo(t.pool, seeded.runId);
    const options = validationOptions({});
    const payloads = sharedPayloadScan(counting, info.entity, options.clockSkewMs);
    const [pk, ts] = await Promise.all([checkPrimaryKey(counting, info, payloads), checkTimestamps(counting, info, options, payloads)]);
    expect(scans).toBe(1);
    expect(pk[0].severity).toBe('ok');
    expect(ts[0]).toMatchObject({ severity: 'failure', details: { last_updated_mismatch: 1 } });
    expect(ts[0].details).not.toHaveProperty('payload_id_mismatch');
  });
});
