import { windowCounts } from '../../src/validate/checks/window-counts';
import { loadRunInfo } from '../../src/validate/run-info';
import { useInitDatabase } from '../helpers/init-database';
import { resetTables, seedCleanRun } from './fixtures';

const DAY = 86_400_000;

describe('rows stored per window', () => {
  const t = useInitDatabase('validate_window_counts');
  beforeEach(async () => resetTables(t.c));

  it('counts every row of tiled windows once, in the window holding its date, with rows of other runs and late updates', async () => {
    const run = await seedCleanRun(t.c, { days: 21, perDay: (d) => 10 + d });
    // One row written by another run, one updated in QBO after its window's scan started.
    await t.c.query(`UPDATE raw.qb_items SET run_id = gen_random_uuid() WHERE id = $1`, [run.records.find((r) => r.chunk === 1)!.id]);
    const late = run.records.find((r) => r.chunk === 2)!;
    await t.c.query(`UPDATE ops.backfill_chunks SET extracted_at_utc = $2, extract_ms = 0 WHERE run_id = $1 AND chunk_index = 2`, [run.runId, new Date(late.lastUpdated.getTime() - 1000)]);
    const counts = await windowCounts(t.pool, await loadRunInfo(t.pool, run.runId), 'raw.qb_items');
    expect([...counts.keys()].sort()).toEqual([0, 1, 2]);
    for (const i of [0, 1, 2]) expect(counts.get(i)!.stored).toBe(run.records.filter((r) => r.chunk === i).length);
    expect([0, 1, 2].map((i) => counts.get(i)!.fromOtherRuns)).toEqual([0, 1, 0]);
    expect(counts.get(2)!.updatedSinceScan).toBe(run.records.filter((r) => r.chunk === 2 && r.lastUpdated >= new Date(late.lastUpdated.getTime() - 1000)).length);
    expect(counts.get(2)!.updatedSinceScan).toBeGreaterThan(0);
  });

  it('counts a row of two overlapping windows in both, and none of a gap, when the windows do not tile', async () => {
    const run = await seedCleanRun(t.c, { days: 21 });
    // Window 0 reaches one day into window 1; window 2 starts a day late (a gap).
    await t.c.query(`UPDATE ops.backfill_chunks SET window_end_utc = window_end_utc + interval '1 day' WHERE run_id = $1 AND chunk_index = 0`, [run.runId]);
    await t.c.query(`UPDATE ops.backfill_chunks SET window_start_utc = window_start_utc + interval '1 day' WHERE run_id = $1 AND chunk_index = 2`, [run.runId]);
    const counts = await windowCounts(t.pool, await loadRunInfo(t.pool, run.runId), 'raw.qb_items');
    const inRange = (from: number, to: number) => run.records.filter((r) => r.lastUpdated.getTime() >= from && r.lastUpdated.getTime() < to).length;
    const [w0, w1, w2] = run.windows.map(([s, e]) => [s.getTime(), e.getTime()]);
    expect(counts.get(0)!.stored).toBe(inRange(w0[0], w0[1] + DAY));
    expect(counts.get(1)!.stored).toBe(inRange(w1[0], w1[1]));
    expect(counts.get(2)!.stored).toBe(inRange(w2[0] + DAY, w2[1]));
    expect(counts.get(0)!.stored + counts.get(1)!.stored + counts.get(2)!.stored).toBe(run.records.length + inRange(w1[0], w1[0] + DAY) - inRange(w2[0], w2[0] + DAY));
  });
});
