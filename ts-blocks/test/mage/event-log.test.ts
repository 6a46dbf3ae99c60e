/**
 * The lines a block's events make in Mage's block log (mage_project/utils/event_log.py, chunk_story.py,
 * log_figures.py), produced by the real Python code with a stand-in for Mage's DictLogger: what a reviewer reads
 * in Mage's log view, which shows about 110 characters of a message.
 */
import { spawnSync } from 'node:child_process';
import type { BackfillEvent, ChunkEvent } from '../../src/core/events';
import { PROJECT_ROOT } from '../../src/demo/mage-cli';

interface Line { level: string; message: string; tags: Record<string, unknown> }

const SCRIPT = `
import json, sys
sys.path.insert(0, sys.argv[1])
from mage_project.utils.event_log import BlockLog

class Logger:
    def __getattr__(self, level):
        return lambda message, **tags: print(json.dumps({'level': level, 'message': message, 'tags': tags}))

log = BlockLog(Logger(), lambda text: text)
for line in sys.stdin:
    log.event(json.loads(line))
log.flush()
`;

function logLines(events: readonly BackfillEvent[]): Line[] {
  const result = spawnSync('python3', ['-c', SCRIPT, PROJECT_ROOT], { input: events.map((e) => JSON.stringify(e)).join('\n'), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`event_log.py failed: ${result.stderr}`);
  return result.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
}

const DAY = 86_400_000;
function chunk(index: number, status: ChunkEvent['status'], extra: Partial<ChunkEvent> = {}): ChunkEvent {
  const start = Date.UTC(2021, 0, 1) + index * 30 * DAY;
  return {
    type: 'chunk', phase: 'extract', entity: 'invoices', run_id: '3f2a1b4c-0000-4000-8000-000000000001', chunk_index: index,
    chunk_count: 72, window_start_utc: new Date(start).toISOString(), window_end_utc: new Date(start + 30 * DAY).toISOString(), status, ...extra,
  };
}
const extractMetrics = { pages_read: 2, rows_read: 120, api_calls: 1, retries: 0, throttled: 0, duration_ms: 412, source_count: 120 };
const messages = (lines: Line[]) => lines.map((l) => l.message);

describe('a chunk line', () => {
  test('leads with its figures (rows, pages, API calls, retries, time), the window last, all figures in its tags', () => {
    const [line] = logLines([chunk(2, 'done', { metrics: extractMetrics })]);
    expect(line!.message).toBe('[extract] invoices chunk 3/72 done: 120 rows, 2 pages, 1 API call, 0 retries, 0.4 s [2021-03-02, 2021-04-01)');
    expect(line!.message.indexOf('0.4 s')).toBeLessThan(110);
    expect(line!.tags).toMatchObject({ ...extractMetrics, chunk_index: 2, window_start_utc: '2021-03-02T00:00:00.000Z', status: 'done' });
  });

  test('of a load says inserted, updated and unchanged, zeros included', () => {
    const metrics = { rows_read: 120, rows_inserted: 0, rows_updated: 0, rows_unchanged: 120, rows_skipped: 0, duration_ms: 1500 };
    const [line] = logLines([chunk(0, 'done', { phase: 'load', metrics })]);
    expect(line!.message).toBe('[load] invoices chunk 1/72 done: 120 rows, 0 inserted, 0 updated, 120 unchanged, 1.5 s [2021-01-01, 2021-01-31)');
  });

  test('shows a figure it has no name for (a new metric) without a change, named after its key', () => {
    const metrics = { rows_read: 10, rows_inserted: 7, rows_updated: 0, rows_unchanged: 0, rows_deleted: 3, duration_ms: 100 };
    const [line] = logLines([chunk(0, 'done', { phase: 'load', metrics: metrics as ChunkEvent['metrics'] })]);
    expect(line!.message).toMatch(/: 10 rows, 7 inserted, 0 updated, 0 unchanged, 3 deleted, 0\.1 s /);
    expect(line!.tags.rows_deleted).toBe(3);
  });

  test('of a chunk read with others says which pass read it and what the pass cost, not "0 API calls"', () => {
    const pass = { first_chunk: 0, last_chunk: 7, pages_read: 53, api_calls: 2, retries: 0, throttled: 0, duration_ms: 1234 };
    const lines = logLines([0, 1].map((i) => chunk(i, 'done', { metrics: { ...extractMetrics, api_calls: i === 0 ? 2 : 0, duration_ms: i === 0 ? 1234 : 0 }, pass })));
    for (const [i, line] of lines.entries()) {
      expect(line.message).toBe(`[extract] invoices chunk ${i + 1}/72 done: 120 rows, 2 pages; pass of chunks 1-8: 53 pages, 2 API calls, 0 retries, 1.2 s ${i === 0 ? '[2021-01-01, 2021-01-31)' : '[2021-01-31, 2021-03-02)'}`);
      expect(line.tags).toMatchObject({ pass_first_chunk: 0, pass_last_chunk: 7, pass_api_calls: 2, pass_pages_read: 53 });
    }
  });
});

describe('the block log as a story', () => {
  test('one line for a pass\'s 72 "started" events, then the chunks in order although they finished out of order', () => {
    const started = Array.from({ length: 72 }, (_, i) => chunk(i, 'started'));
    const done = [2, 0, 1].map((i) => chunk(i, 'done', { phase: 'extract', metrics: extractMetrics }));
    const lines = logLines([...started, ...done]);
    expect(messages(lines)[0]).toBe('[extract] invoices chunks 1-72 of 72 started [2021-01-01, 2026-12-01)');
    expect(lines[0]!.tags).toMatchObject({ chunks: 72, first_chunk_index: 0, last_chunk_index: 71 });
    expect(messages(lines).slice(1).map((m) => /chunk (\d+)\//.exec(m)![1])).toEqual(['1', '2', '3']);
  });

  test('a resumed run\'s skipped chunks make one line per reason', () => {
    const skipped = [0, 1, 2].map((i) => chunk(i, 'skipped', { phase: 'load', reason: 'already loaded' }));
    const lines = logLines([...skipped, chunk(3, 'done', { phase: 'load', metrics: { rows_read: 1, rows_inserted: 1, rows_updated: 0, rows_unchanged: 0 } })]);
    expect(messages(lines)).toEqual([
      '[load] invoices chunks 1-3 of 72 skipped (already loaded) [2021-01-01, 2021-04-01)',
      '[load] invoices chunk 4/72 done: 1 row, 1 inserted, 0 updated, 0 unchanged [2021-04-01, 2021-05-01)',
    ]);
  });

  test('a failed chunk is told at once, ahead of finished chunks still waiting for an earlier one', () => {
    const events = [chunk(1, 'done', { metrics: extractMetrics }), chunk(2, 'failed', { reason: 'QBO answered 500' }), chunk(0, 'done', { metrics: extractMetrics }), chunk(3, 'done', { metrics: extractMetrics })];
    const lines = logLines([...events, { type: 'log', level: 'info', phase: 'extract', message: 'a line after the chunks' }]);
    // The failed chunk keeps its place: chunk 4 is not held back by it (its line comes before the next log line).
    expect(messages(lines).map((m) => /chunk (\d+)\/72 (\w+)|after the chunks/.exec(m)![0])).toEqual(['chunk 3/72 failed', 'chunk 1/72 done', 'chunk 2/72 done', 'chunk 4/72 done', 'after the chunks']);
    expect(lines[0]!.level).toBe('error');
  });

  test('every chunk line comes before the block\'s error line, chunks that never reported leaving a gap', () => {
    const lines = logLines([
      chunk(1, 'done', { metrics: extractMetrics }),
      { type: 'error', error: { kind: 'retriable', code: 'HTTP_503', message: 'QBO answered 503 five times.' } },
    ]);
    expect(messages(lines)).toEqual([expect.stringMatching(/^\[extract\] invoices chunk 2\/72 done: /), '[retriable] HTTP_503: QBO answered 503 five times.']);
  });

  test('ends with a readable result line: the block\'s figures as a sentence, not a cut JSON dump', () => {
    const summary = {
      run_id: '3f2a1b4c-0000-4000-8000-000000000001', entity: 'invoices', realm_id: '1', status: 'loaded', chunks_loaded: 72, chunks_skipped: 0,
      totals: { rows_read: 1234, rows_inserted: 1200, rows_updated: 34, rows_unchanged: 0, rows_skipped: 0 }, chunks: Array.from({ length: 72 }, (_, i) => ({ chunk_index: i })),
    };
    const [line] = logLines([{ type: 'result', ok: true, summary }]);
    expect(line!.message).toBe('[run] result: invoices run 3f2a1b4c: loaded; 72 loaded, 1,234 rows, 1,200 inserted, 34 updated, 0 unchanged');
    expect(line!.tags).toMatchObject({ run_id: summary.run_id, chunks_loaded: 72, totals_rows_inserted: 1200 });
  });

  test('shows other durations of a summary (extract_ms, wall_ms) as times', () => {
    const summary = { entity: 'items', status: 'passed', validation: { ok: 8, warning: 0, failure: 0 }, totals: { chunks: 4, rows_read: 20, inserted: 20, updated: 0, unchanged: 0, extract_ms: 845, wall_ms: 63_000 } };
    const [line] = logLines([{ type: 'result', ok: true, summary }]);
    expect(line!.message).toBe('[run] result: items: passed; 4 chunks, 20 rows, 20 inserted, 0 updated, 0 unchanged, extract 0.8 s, wall 1 min 03 s; checks: 8 ok, 0 warning, 0 failure');
  });
});
