import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackfillEvent, ValidationEvent } from '../../src/core/events';
import { latestResults } from '../../src/validate/results-store';
import { validateRun } from '../../src/validate/validate-run';
import { useInitDatabase } from '../helpers/init-database';
import { resetTables, seedCleanRun } from './fixtures';

const ALL_CHECKS = [
  'chunk_coverage',
  'primary_key',
  'timestamps_utc',
  'records_in_window',
  'source_count',
  'volumetry_empty_days',
  'volumetry_outliers',
  'idempotency',
  'unstorable_records',
];

describe('validateRun', () => {
  let spoolDir: string;

  const t = useInitDatabase('validate_run', { poolMax: 3 });
  beforeAll(() => {
    spoolDir = mkdtempSync(join(tmpdir(), 'qbo-validate-run-'));
  });
  afterAll(() => {
    rmSync(spoolDir, { recursive: true, force: true });
  });
  beforeEach(async () => resetTables(t.c));

  it('passes a clean backfill with every check ok, stores the results and emits one event per result', async () => {
    const run = await seedCleanRun(t.c, { days: 28, spoolDir });
    const events: BackfillEvent[] = [];
    const summary = await validateRun(t.pool, run.runId, {}, { emit: (e) => events.push(e) });
    expect(summary.results.map((r) => [r.check, r.severity])).toEqual(ALL_CHECKS.map((name) => [name, 'ok']));
    expect(summary).toMatchObject({ run_id: run.runId, entity: 'items', passed: true, counts: { ok: 9, warning: 0, failure: 0 } });
    // Figures the report reuses: the table's rows (primary_key) and the records per day (volumetry).
    expect(summary.table_rows).toBe(Number((await t.c.query('SELECT count(*) FROM raw.qb_items')).rows[0].count));
    expect(summary.days?.reduce((n, d) => n + d.count, 0)).toBe(run.records.length);
    const validations = events.filter((e): e is ValidationEvent => e.type === 'validation');
    expect(validations.map((e) => e.check)).toEqual(ALL_CHECKS);
    expect(validations.every((e) => e.run_id === run.runId && e.entity === 'items')).toBe(true);
    const stored = await latestResults(t.pool, run.runId);
    expect(stored.map((r) => r.check)).toEqual(ALL_CHECKS);
    expect(new Set(stored.map((r) => r.checked_at_utc)).size).toBe(1);
    expect(stored[0].checked_at_utc).toBe(summary.checked_at_utc);
  });

  it('times each check through the injected clock, in the checks\' order whatever runs at once, and logs each time', async () => {
    const run = await seedCleanRun(t.c, { days: 28, spoolDir });
    const events: BackfillEvent[] = [];
    let ms = 0;
    const now = () => (ms += 5);
    const summary = await validateRun(t.pool, run.runId, { checksAtOnce: 3 }, { emit: (e) => events.push(e), now });
    const names = ['chunk_coverage', 'primary_key', 'timestamps_utc', 'records_in_window', 'source_count', 'volumetry', 'idempotency', 'source_fidelity'];
    expect(summary.timings.checks.map((x) => x.check)).toEqual(names);
    // Every check read the clock twice (start, end): each took a positive multiple of the clock's step.
    for (const x of summary.timings.checks) expect(x.ms % 5 === 0 && x.ms > 0).toBe(true);
    expect(summary.timings.total_ms).toBeGreaterThanOrEqual(Math.max(...summary.timings.checks.map((x) => x.ms)));
    const timed = events.filter((e) => e.type === 'log' && e.code === 'VALIDATE_CHECK_TIMED');
    expect(timed.map((e) => (e.type === 'log' ? e.tags?.check : undefined))).toEqual(names);
    expect(summary.results.map((r) => r.check)).toEqual(ALL_CHECKS);
    const sequential = await validateRun(t.pool, run.runId, { checksAtOnce: 1 });
    expect(sequential.results.map((r) => [r.check, r.severity])).toEqual(summary.results.map((r) => [r.check, r.severity]));
  });

  it('rejects a checksAtOnce below 1, naming the setting', async () => {
    const run = await seedCleanRun(t.c, { days: 7 });
    await expect(validateRun(t.pool, run.runId, { checksAtOnce: 0 })).rejects.toThrow(/checksAtOnce must be a number >= 1/);
  });

  it('reports failures without throwing, and a later pass supersedes the earlier one', async () => {
    const run = await seedCleanRun(t.c, { days: 28, spoolDir });
    await validateRun(t.pool, run.runId);
    await t.c.query('UPDATE ops.backfill_chunks SET source_count = source_count + 3 WHERE run_id = $1 AND chunk_index = 2', [run.runId]);
    const summary = await validateRun(t.pool, run.runId);
    expect(summary.passed).toBe(false);
    expect(summary.counts.failure).toBe(1);
    expect(summary.results.find((r) => r.severity === 'failure')?.check).toBe('source_count');
    const stored = await latestResults(t.pool, run.runId);
    expect(stored.filter((r) => r.severity === 'failure').map((r) => r.check)).toEqual(['source_count']);
    const all = await t.c.query('SELECT count(*)::int AS n FROM ops.validation_results WHERE run_id = $1', [run.runId]);
    expect(all.rows[0].n).toBe(18);
  });

  it('turns a check that cannot run into a failure result naming it', async () => {
    const run = await seedCleanRun(t.c, { days: 28, spoolDir });
    const summary = await validateRun(t.pool, run.runId, {}, {
      reloadChunk: async () => {
        throw new Error('disk on fire');
      },
    });
    const idem = summary.results.find((r) => r.check === 'idempotency');
    expect(idem).toMatchObject({ severity: 'failure' });
    expect(idem?.message).toMatch(/disk on fire/);
  });

  it('names a run that does not exist', async () => {
    await expect(validateRun(t.pool, '00000000-0000-4000-8000-00000000abcd')).rejects.toThrow(/00000000-0000-4000-8000-00000000abcd/);
  });
});
