import { PgSourceDeletions } from '../../src/ledger/source-deletions';
import { checkCoverage } from '../../src/validate/checks/coverage';
import { checkRecordsInWindow, checkTimestamps } from '../../src/validate/checks/timestamps';
import { validationOptions } from '../../src/validate/options';
import { loadRunInfo } from '../../src/validate/run-info';
import { useInitDatabase } from '../helpers/init-database';
import { pacific, resetTables, seedCleanRun } from './fixtures';

describe('time coherence checks', () => {
  const options = validationOptions();

  // judged by the rows, not by the constraints that would have refused them
  const t = useInitDatabase('validate_time', {
    prepare: (c) => c.query('ALTER TABLE raw.qb_items DROP CONSTRAINT qb_items_in_window, DROP CONSTRAINT qb_items_last_updated'),
  });
  beforeEach(async () => resetTables(t.c));

  it('stays quiet on a clean backfill', async () => {
    const run = await seedCleanRun(t.c, { days: 21 });
    const info = await loadRunInfo(t.pool, run.runId);
    expect((await checkTimestamps(t.pool, info, options))[0]).toMatchObject({ severity: 'ok' });
    expect((await checkRecordsInWindow(t.pool, info))[0]).toMatchObject({ severity: 'ok', details: { outside: 0, rows: run.records.length } });
    expect(checkCoverage(info)[0]).toMatchObject({ severity: 'ok' });
  });

  it('fails on a record outside its window, naming it', async () => {
    const run = await seedCleanRun(t.c, { days: 21 });
    const at = new Date(run.windows[1][1].getTime() + 3600_000); // an hour into the next window
    await t.c.query(
      `UPDATE raw.qb_items SET source_last_updated_utc = $2,
              payload = jsonb_set(payload, '{MetaData,LastUpdatedTime}', to_jsonb($3::text)) WHERE id = $1`,
      ['30', at, pacific(at)],
    );
    const info = await loadRunInfo(t.pool, run.runId);
    const [r] = await checkRecordsInWindow(t.pool, info);
    expect(r.severity).toBe('failure');
    expect(r.details).toMatchObject({ outside: 1, sample: [expect.objectContaining({ id: '30' })] });
    expect((await checkTimestamps(t.pool, info, options))[0].severity).toBe('ok');
  });

  it('fails on a TxnDate outside a txn_date window', async () => {
    const run = await seedCleanRun(t.c, { days: 21 });
    await t.c.query(`UPDATE raw.qb_items SET date_field = 'txn_date', payload = payload || '{"TxnDate": "2023-12-31"}' WHERE id = '5'`);
    const [r] = await checkRecordsInWindow(t.pool, await loadRunInfo(t.pool, run.runId));
    expect(r.severity).toBe('failure');
    expect(r.details).toMatchObject({ outside: 1, sample: [expect.objectContaining({ id: '5', txn_date: '2023-12-31' })] });
  });

  it('counts a TxnDate that is not a date as outside every window, names it, and still runs (no cast error)', async () => {
    const run = await seedCleanRun(t.c, { days: 21 });
    await t.c.query(`UPDATE raw.qb_items SET date_field = 'txn_date', payload = payload || '{"TxnDate": "2024-02-30"}' WHERE id = '5'`);
    await t.c.query(`UPDATE raw.qb_items SET date_field = 'txn_date', payload = payload || '{"TxnDate": "2024-01-03"}' WHERE id = '6'`);
    const [r] = await checkRecordsInWindow(t.pool, await loadRunInfo(t.pool, run.runId));
    expect(r.severity).toBe('failure');
    expect(r.details).toMatchObject({ outside: 1, sample: [expect.objectContaining({ id: '5', txn_date: '2024-02-30' })] });
    // The deletion check's scope reads the same field: the row is in no range, and the query does not fail.
    const scope = { entity: 'items' as const, realmId: run.realmId, dateField: 'txn_date' as const };
    const deletions = new PgSourceDeletions(t.pool);
    expect(await deletions.liveIds({ ...scope, from: new Date('2024-01-01T00:00:00Z'), to: new Date('2024-01-08T00:00:00Z') })).toEqual(['6']);
    expect(await deletions.liveIds({ ...scope, from: new Date('2024-02-01T00:00:00Z'), to: new Date('2024-04-01T00:00:00Z') })).toEqual([]);
  });

  it('fails when a Pacific timestamp was stored as if it were UTC', async () => {
    const run = await seedCleanRun(t.c, { days: 21 });
    await t.c.query(`UPDATE raw.qb_items SET source_last_updated_utc = source_last_updated_utc - interval '8 hours' WHERE id = '12'`);
    const [r] = await checkTimestamps(t.pool, await loadRunInfo(t.pool, run.runId), options);
    expect(r.severity).toBe('failure');
    expect(r.details).toMatchObject({ last_updated_mismatch: 1, sample: [expect.objectContaining({ id: '12' })] });
    expect(r.message).toMatch(/differs from payload MetaData\.LastUpdatedTime/);
  });

  it('fails when a version claims to be updated after it was ingested, or ingested in the future', async () => {
    const run = await seedCleanRun(t.c, { days: 21 });
    await t.c.query(`UPDATE raw.qb_items SET ingested_at_utc = source_last_updated_utc - interval '1 hour' WHERE id = '2'`);
    await t.c.query(`UPDATE raw.qb_items SET ingested_at_utc = now() + interval '1 day' WHERE id = '3'`);
    const [r] = await checkTimestamps(t.pool, await loadRunInfo(t.pool, run.runId), options);
    expect(r.severity).toBe('failure');
    expect(r.details).toMatchObject({ updated_after_ingestion: 1, ingested_in_future: 1 });
  });

  it('warns about a LastUpdatedTime without an offset', async () => {
    const run = await seedCleanRun(t.c, { days: 21 });
    await t.c.query(`UPDATE raw.qb_items SET payload = jsonb_set(payload, '{MetaData,LastUpdatedTime}', '"2024-01-02T10:00:00"') WHERE id = '9'`);
    const [r] = await checkTimestamps(t.pool, await loadRunInfo(t.pool, run.runId), options);
    expect(r.severity).toBe('warning');
    expect(r.details).toMatchObject({ last_updated_without_zone: 1 });
  });

  it('fails when the windows leave a gap in the range, or a chunk is not loaded', async () => {
    const run = await seedCleanRun(t.c, { days: 21 });
    await t.c.query(`UPDATE ops.backfill_chunks SET status = 'extracted' WHERE run_id = $1 AND chunk_index = 2`, [run.runId]);
    let [r] = checkCoverage(await loadRunInfo(t.pool, run.runId));
    expect(r).toMatchObject({ severity: 'failure', details: { unloaded_chunks: [{ chunk: 2, status: 'extracted' }] } });
    expect(r.message).toMatch(/Resume the run/);
    await t.c.query('DELETE FROM ops.backfill_chunks WHERE run_id = $1 AND chunk_index = 1', [run.runId]);
    [r] = checkCoverage(await loadRunInfo(t.pool, run.runId));
    expect(r.severity).toBe('failure');
    expect(r.message).toMatch(/gap 2024-01-08T00:00:00.000Z → 2024-01-15T00:00:00.000Z/);
  });
});
