/**
 * Deleted invoices are marked in raw, only when QBO confirms it (CDC inside its 30-day horizon, a by-id lookup beyond
 * it), against the sandbox and a real PostgreSQL, through the in-process pipeline (loader → exporter → validator).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, Pool } from 'pg';
import type { BackfillEvent } from '../../src/core/events';
import type { Clock } from '../../src/http/clock';
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { canonicalJson } from '../helpers/canonical-json';
import { useInitDatabase } from '../helpers/init-database';
import { workDir } from '../cli/helpers';
import { runInProcess } from './in-process';
import { createPool } from '../../src/db/pool';
import { validateRun } from '../../src/validate/validate-run';

const DAY = 86_400_000;

/** Real time shifted at will: the sandbox and the client share it, so a deletion can be made 40 days ago. */
function shiftableClock(): Clock & { shift: number } {
  const clock = {
    shift: 0,
    now: () => Date.now() + clock.shift,
    sleep: async (ms: number) => {
      clock.shift += ms;
    },
  };
  return clock;
}

describe('deleted invoices are marked, only when QBO confirms them gone', () => {
  const t = useInitDatabase('deletions');
  let sandbox: SandboxHandle;
  let dir: string;
  const clock = shiftableClock();
  const start = new Date(Math.floor((Date.now() - 300 * DAY) / DAY) * DAY);
  // The range ends an hour before now: a record updated now leaves it (moves to a later window, outside the range).
  const end = () => new Date(Math.floor((clock.now() - 3_600_000) / 3_600_000) * 3_600_000);

  beforeAll(async () => {
    sandbox = await startSandbox({
      seed: 11, customers: 20, items: 10, invoices: 150, latencyMs: 0, now: () => clock.now(),
      historyStart: start.toISOString(), historyEnd: new Date(Date.now() - 60 * DAY).toISOString(),
    });
    dir = workDir('deletions');
  });
  let validatorPool: Pool | undefined;
  const pool = () => (validatorPool ??= createPool({ connectionString: t.db.url }));
  afterAll(async () => {
    await validatorPool?.end();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (onEvent: (e: BackfillEvent) => void = () => undefined) =>
    runInProcess(sandbox, t.db.url, dir, 'invoices', { fecha_inicio: start.toISOString(), fecha_fin: end().toISOString(), chunk_days: 30, force: true }, { clock, onEvent });

  const live = async () =>
    new Map((await t.c.query<{ id: string; payload: unknown }>('SELECT id, payload FROM raw.qb_invoices WHERE source_deleted_at_utc IS NULL'))
      .rows.map((r) => [r.id, canonicalJson(r.payload)]));
  const marked = async () =>
    (await t.c.query<{ id: string; by: string }>('SELECT id, source_deleted_by AS by FROM raw.qb_invoices WHERE source_deleted_at_utc IS NOT NULL ORDER BY id'))
      .rows.map((r) => [r.id, r.by]);
  const truth = () => new Map([...sandbox.groundTruth('Invoice')].map((r) => [String(r.Id), canonicalJson(r)]));
  const inRange = (payload: string) => {
    const at = new Date((JSON.parse(payload) as { MetaData: { LastUpdatedTime: string } }).MetaData.LastUpdatedTime);
    return at >= start && at < end();
  };
  const rawText = async () => (await t.c.query<{ r: string }>('SELECT t::text AS r FROM raw.qb_invoices t ORDER BY id')).rows.map((x) => x.r);

  it('marks deletions before and during a run, inside and outside the CDC horizon, never a record that moved; a re-run changes nothing', async () => {
    const first = await run();
    expect(first.summary.status).toBe('succeeded');
    expect(await marked()).toEqual([]);
    const ids = [...truth().keys()];

    // Outside the horizon: deleted 40 days ago (only a by-id lookup can tell).
    clock.shift = -40 * DAY;
    const old = sandbox.mutate({ entity: 'Invoice', op: 'delete', id: ids[3] });
    clock.shift = 0;
    // Inside the horizon: deleted now (CDC tells).
    const recent = sandbox.mutate({ entity: 'Invoice', op: 'delete', id: ids[10] });
    // Updated now: it leaves the run's range, QBO still has it: never marked.
    const moved = sandbox.mutate({ entity: 'Invoice', op: 'update', id: ids[20] });
    let during: string | undefined;
    const second = await run((e) => {
      if (during === undefined && e.type === 'chunk' && e.phase === 'extract' && e.status === 'done') {
        during = sandbox.mutate({ entity: 'Invoice', op: 'delete', id: ids[100] }).id;
      }
    });
    expect(second.summary.status).toBe('succeeded');
    expect(during).toBeDefined();
    expect(await marked()).toEqual(
      [[old.id, 'lookup'], [recent.id, 'cdc'], [during!, 'cdc']].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    const rows = await live();
    expect(rows.has(moved.id)).toBe(true);
    // The live rows are QBO's records of the range, exactly (the moved one keeps its last version read).
    const expected = new Map([...truth()].filter(([id, p]) => inRange(p) || id === moved.id));
    expect([...rows.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, payload] of expected) if (id !== moved.id) expect(rows.get(id)).toBe(payload);
    const detail = await t.c.query<{ deleted: number }>(
      `SELECT (metrics ->> 'deleted')::int AS deleted FROM ops.backfill_runs WHERE run_id = $1`, [second.summary.run_id]);
    expect(detail.rows[0]!.deleted).toBe(3);
    const listed = second.events.find((e) => e.type === 'validation' && e.check === 'source_deletions');
    expect(listed).toMatchObject({ severity: 'ok', details: { marked: expect.any(Array) } });
    expect(((listed as unknown as { details: { marked: Array<{ id: string }> } }).details.marked).map((m) => m.id).sort()).toEqual([old.id, recent.id, during!].sort());
    const counted = second.events.find((e) => e.type === 'validation' && e.check === 'source_count');
    // The moved record is still stored in its old window (QBO now counts it elsewhere): explained, not a failure.
    expect(counted).toMatchObject({ severity: 'warning', message: expect.stringContaining('all explained') });
    const chunkDeleted = await t.c.query<{ n: number }>('SELECT sum(rows_deleted)::int AS n FROM ops.backfill_chunks WHERE run_id = $1', [second.summary.run_id]);
    expect(chunkDeleted.rows[0]!.n).toBe(3);
    const report = JSON.parse(readFileSync(join(second.summary.report_dir!, 'report.json'), 'utf8')) as { totals: { deleted: number } };
    expect(report.totals.deleted).toBe(3);
    expect(readFileSync(join(second.summary.report_dir!, 'report.md'), 'utf8')).toMatch(/\| deleted \|/);

    // Re-loading every chunk of the marking run (the validator's idempotency proof) leaves its marks as they are.
    const proof = await validateRun(pool(), second.summary.run_id, { idempotencyChunks: 'all' });
    expect(proof.results.find((r) => r.check === 'idempotency')).toMatchObject({ severity: 'ok' });

    const before = await rawText();
    const third = await run();
    expect(third.summary.load.totals).toMatchObject({ rows_inserted: 0, rows_updated: 0 });
    expect(await rawText()).toEqual(before);
  });

  it('a row marked deleted that QBO returns again is live again', async () => {
    const [id] = [...(await live()).keys()];
    await t.c.query(`UPDATE raw.qb_invoices SET source_deleted_at_utc = now(), source_deleted_by = 'lookup' WHERE id = $1`, [id]);
    const again = await run();
    expect(again.summary.load.totals.rows_updated).toBe(1);
    expect((await live()).get(id!)).toBe(truth().get(id!));
  });
});
