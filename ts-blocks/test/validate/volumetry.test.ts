import { checkVolumetry, EMPTY_DAYS_CHECK, OUTLIERS_CHECK } from '../../src/validate/checks/volumetry';
import { dailyVolume } from '../../src/validate/daily-volume';
import { validationOptions } from '../../src/validate/options';
import { loadRunInfo } from '../../src/validate/run-info';
import type { CheckResult } from '../../src/validate/types';
import { useInitDatabase } from '../helpers/init-database';
import { resetTables, seedCleanRun } from './fixtures';

describe('volumetry checks', () => {
  const options = validationOptions();

  const t = useInitDatabase('validate_volumetry');
  beforeEach(async () => resetTables(t.c));

  const byCheck = (results: CheckResult[], name: string) => results.find((r) => r.check === name) as CheckResult;

  it('stays quiet on a clean backfill and counts every day of the range', async () => {
    const run = await seedCleanRun(t.c, { days: 56 });
    const info = await loadRunInfo(t.pool, run.runId);
    const days = await dailyVolume(t.pool, info);
    expect(days).toHaveLength(56);
    expect(days.reduce((n, d) => n + d.count, 0)).toBe(run.records.length);
    expect(days[8]).toMatchObject({ day: '2024-01-09', chunk: 1, partial: false });
    const results = await checkVolumetry(t.pool, info, options);
    expect(results.map((r) => [r.check, r.severity])).toEqual([
      [EMPTY_DAYS_CHECK, 'ok'],
      [OUTLIERS_CHECK, 'ok'],
    ]);
  });

  it('warns about an empty day inside a busy range, naming the day and its chunk', async () => {
    const run = await seedCleanRun(t.c, { days: 56 });
    await t.c.query(`DELETE FROM raw.qb_items WHERE source_last_updated_utc >= '2024-01-20' AND source_last_updated_utc < '2024-01-21'`);
    const results = await checkVolumetry(t.pool, await loadRunInfo(t.pool, run.runId), options);
    const empty = byCheck(results, EMPTY_DAYS_CHECK);
    expect(empty.severity).toBe('warning');
    expect(empty.message).toMatch(/1 empty day\(s\) by LastUpdatedTime inside a busy range: 2024-01-20/);
    expect(empty.details.empty_days).toEqual([expect.objectContaining({ day: '2024-01-20', chunk: 2 })]);
    expect(byCheck(results, OUTLIERS_CHECK).severity).toBe('ok');
  });

  it('warns about a day whose volume departs from its neighbours', async () => {
    const run = await seedCleanRun(t.c, { days: 56, perDay: (d) => (d === 30 ? 400 : 20 + ((d * 7) % 9)) });
    const results = await checkVolumetry(t.pool, await loadRunInfo(t.pool, run.runId), options);
    const outliers = byCheck(results, OUTLIERS_CHECK);
    expect(outliers.severity).toBe('warning');
    expect(outliers.details.outliers).toEqual([expect.objectContaining({ day: '2024-01-31', count: 400, direction: 'high' })]);
    expect(byCheck(results, EMPTY_DAYS_CHECK).severity).toBe('ok');
  });

  it('does not judge a run with too few days of data', async () => {
    const run = await seedCleanRun(t.c, { days: 3, chunkDays: 1 });
    const results = await checkVolumetry(t.pool, await loadRunInfo(t.pool, run.runId), options);
    expect(results.every((r) => r.severity === 'ok' && r.details.judged === false)).toBe(true);
  });
});
