import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSpool } from '../../src/spool/reader';
import { checkSourceCounts } from '../../src/validate/checks/source-counts';
import { loadRunInfo } from '../../src/validate/run-info';
import type { CheckResult } from '../../src/validate/types';
import { useInitDatabase } from '../helpers/init-database';
import { pacific, resetTables, seedCleanRun, SHA_OF, writeSpool, type SeededRun } from './fixtures';

const DAY = 86_400_000;

describe('source_count check', () => {
  let spoolDir: string;

  const t = useInitDatabase('validate_counts');
  beforeAll(() => {
    spoolDir = mkdtempSync(join(tmpdir(), 'qbo-validate-counts-'));
  });
  afterAll(() => {
    rmSync(spoolDir, { recursive: true, force: true });
  });
  beforeEach(async () => resetTables(t.c));

  const check = async (run: SeededRun, withSpool: boolean): Promise<CheckResult> => {
    const [r] = await checkSourceCounts(t.pool, await loadRunInfo(t.pool, run.runId), withSpool ? { readSpool } : {});
    return r;
  };
  /** A run whose last window holds "now", the last day empty, so a record updated a minute ago lands there. */
  const recentRun = (spool: boolean) => {
    const today = Math.floor(Date.now() / DAY) * DAY;
    return seedCleanRun(t.c, { start: new Date(today - 27 * DAY).toISOString(), days: 28, chunkDays: 7, perDay: (d) => (d === 27 ? 0 : 20), spoolDir: spool ? spoolDir : undefined });
  };
  /** Record `id` (read by chunk 0) is updated in QBO after chunk 0's scan: its new version lands in the last window. */
  const moveToLastWindow = async (run: SeededRun, id: string) => {
    const at = new Date(Math.floor((Date.now() - 60_000) / 1000) * 1000);
    const last = run.windows.length - 1;
    const old = run.records.find((r) => r.id === id);
    if (!old) throw new Error(`no record ${id}`);
    const payload = { ...old.payload, SyncToken: '1', Name: 'Renamed', MetaData: { CreateTime: (old.payload.MetaData as { CreateTime: string }).CreateTime, LastUpdatedTime: pacific(at) } };
    await t.c.query(
      `UPDATE ${run.table} SET payload = $2, payload_sha256 = ${SHA_OF('$2::jsonb')}, source_last_updated_utc = $3, source_sync_token = 1,
              extract_window_start_utc = $4, extract_window_end_utc = $5 WHERE id = $1`,
      [id, payload, at, run.windows[last][0], run.windows[last][1]],
    );
    await t.c.query('UPDATE ops.backfill_chunks SET source_count = source_count + 1, rows_read = rows_read + 1 WHERE run_id = $1 AND chunk_index = $2', [run.runId, last]);
    if (run.spoolPaths.length) {
      const lastRecords = [...run.records.filter((r) => r.chunk === last), { ...old, payload, lastUpdated: at, chunk: last }];
      writeSpool(run.spoolPaths[last], run, last, lastRecords, lastRecords.length);
    }
  };

  it('is ok on a clean backfill', async () => {
    const run = await seedCleanRun(t.c, { spoolDir });
    const r = await check(run, true);
    expect(r.severity).toBe('ok');
    expect(r.details).toMatchObject({ windows_compared: 8, windows_matching: 8, mismatches_total: 0, source_count_total: run.records.length });
  });

  it('fails on a count mismatch nothing explains (no spool file)', async () => {
    const run = await seedCleanRun(t.c);
    await t.c.query('UPDATE ops.backfill_chunks SET source_count = source_count + 5 WHERE run_id = $1 AND chunk_index = 3', [run.runId]);
    const r = await check(run, false);
    expect(r.severity).toBe('failure');
    expect(r.details.mismatches).toEqual([expect.objectContaining({ chunk: 3, severity: 'failure', basis: 'table' })]);
    expect(r.message).toMatch(/chunk 3 .* 5 record\(s\) counted by QBO are missing/);
  });

  it('fails when the scan read fewer records than QBO counted and nothing changed in QBO (spool file)', async () => {
    const run = await seedCleanRun(t.c, { spoolDir });
    await t.c.query('UPDATE ops.backfill_chunks SET source_count = source_count + 2 WHERE run_id = $1 AND chunk_index = 5', [run.runId]);
    const r = await check(run, true);
    expect(r.severity).toBe('failure');
    expect(r.details.mismatches).toEqual([expect.objectContaining({ chunk: 5, basis: 'spool', terms: expect.objectContaining({ read_minus_count: -2 }) })]);
    expect(r.message).toMatch(/paging lost or duplicated/);
  });

  it('explains a window short of its count by the record a later update moved, naming it (spool file)', async () => {
    const run = await recentRun(true);
    await moveToLastWindow(run, '7');
    const r = await check(run, true);
    expect(r.severity).toBe('warning');
    const mismatches = r.details.mismatches as Array<Record<string, unknown>>;
    expect(mismatches).toHaveLength(1);
    expect(mismatches[0]).toMatchObject({ chunk: 0, stored: 139, source_count: 140, basis: 'spool', terms: expect.objectContaining({ moved: 1, moved_ids: ['7'], lost: 0 }) });
    expect(r.message).toMatch(/all explained/);
  });

  it('explains the same move from the table alone when the spool file is gone', async () => {
    const run = await recentRun(false);
    await moveToLastWindow(run, '7');
    const r = await check(run, false);
    expect(r.severity).toBe('warning');
    expect(r.details.mismatches).toEqual([expect.objectContaining({ chunk: 0, basis: 'table' })]);
    expect(r.message).toMatch(/probably explained: 1 record\(s\) were updated in QBO after this window was scanned/);
  });

  it('explains extra stored rows kept from an earlier run', async () => {
    const run = await seedCleanRun(t.c, { spoolDir });
    const earlier = '00000000-0000-4000-8000-000000000001';
    await t.c.query(`INSERT INTO ops.backfill_runs (run_id, entity, realm_id, date_field, range_start_utc, range_end_utc, chunk_days, page_size, status)
                   VALUES ($1, 'items', $2, 'last_updated', $3, $4, 7, 1000, 'succeeded')`, [earlier, run.realmId, run.start, run.end]);
    const at = new Date(run.windows[2][0].getTime() + 3600_000);
    const payload = { Id: '900001', SyncToken: '0', Name: 'Deleted since', MetaData: { CreateTime: pacific(at), LastUpdatedTime: pacific(at) } };
    await t.c.query(
      `INSERT INTO raw.qb_items (id, realm_id, payload, payload_sha256, source_last_updated_utc, extract_window_start_utc, extract_window_end_utc, page_number, page_size, request_payload, run_id, ingested_at_utc)
       VALUES ('900001', $1, $2, ${SHA_OF('$2::jsonb')}, $3, $4, $5, 1, 1000, '{}', $6, now() - interval '30 days')`,
      [run.realmId, payload, at, run.windows[2][0], run.windows[2][1], earlier],
    );
    const r = await check(run, true);
    expect(r.severity).toBe('warning');
    expect(r.details.mismatches).toEqual([expect.objectContaining({ chunk: 2, terms: expect.objectContaining({ extra: 1, extra_ids: ['900001'] }) })]);
  });

  it('fails when a record the scan read is missing from the table, naming it', async () => {
    const run = await seedCleanRun(t.c, { spoolDir });
    await t.c.query(`DELETE FROM raw.qb_items WHERE id = '42'`);
    const r = await check(run, true);
    expect(r.severity).toBe('failure');
    expect(r.details.mismatches).toEqual([expect.objectContaining({ terms: expect.objectContaining({ lost: 1, lost_ids: ['42'] }) })]);
    expect(r.message).toMatch(/read but missing from the table \(e\.g\. 42\)/);
  });

  it('warns when QBO COUNT(*) was not captured for a window', async () => {
    const run = await seedCleanRun(t.c);
    await t.c.query('UPDATE ops.backfill_chunks SET source_count = NULL WHERE run_id = $1 AND chunk_index = 1', [run.runId]);
    const r = await check(run, false);
    expect(r.severity).toBe('warning');
    expect(r.message).toMatch(/not captured/);
  });
});
