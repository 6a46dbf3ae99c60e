import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RetriableError, type BackfillError } from '../../src/core/errors';
import type { BackfillEvent, ChunkEvent, LogEvent } from '../../src/core/events';
import { parseVariables } from '../../src/config/variables';
import { extractRun, type ExtractDeps } from '../../src/extract/run';
import { readSpool } from '../../src/spool';
import { FakeQbo } from '../paginate/fake-qbo';
import { instantClock } from '../http/test-clock';
import { MemoryLedger } from './memory-ledger';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const NOW = Date.UTC(2026, 0, 1);
const vars = () => parseVariables({ fecha_inicio: '2024-01-01', fecha_fin: '2024-01-09', chunk_days: 1, page_size: 10 }, 'invoices');

let spoolDir: string;
beforeEach(() => {
  spoolDir = mkdtempSync(join(tmpdir(), 'qbo-closed-'));
});
afterEach(() => rmSync(spoolDir, { recursive: true, force: true }));

/** 8 days of 15 invoices each (120), closed long before the run. */
function setup(overrides: Partial<ExtractDeps> = {}) {
  const qbo = new FakeQbo();
  for (let i = 0; i < 120; i += 1) qbo.add(String(i + 1), T0 + Math.floor(i / 15) * DAY + (i % 15) * 60_000 + 1000);
  const ledger = new MemoryLedger();
  const events: BackfillEvent[] = [];
  const deps: ExtractDeps = {
    ledger, client: qbo, auth: { accessToken: async () => 'token', invalidate: () => undefined }, spoolDir, concurrency: 4,
    breakerThreshold: 3, origin: 'cli', emit: (e) => events.push(e), clock: instantClock(), ...overrides,
  };
  return { qbo, ledger, events, deps };
}

async function spooled(paths: readonly (string | null)[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const path of paths) {
    for await (const row of readSpool(path!)) {
      expect(out.has(row.record.Id)).toBe(false);
      out.set(row.record.Id, row.record.SyncToken!);
    }
  }
  return out;
}

const counts = (qbo: FakeQbo) => qbo.statements.filter((s) => s.startsWith('SELECT COUNT(*)'));
const pages = (qbo: FakeQbo) => qbo.statements.filter((s) => s.startsWith('SELECT *'));

describe('closed windows read by counted offset passes', () => {
  it('reads the whole range with one COUNT(*) and ceil(rows / page size) pages, whatever the chunk size', async () => {
    const { deps, qbo, events } = setup();
    const manifest = await extractRun(deps, vars());
    expect(counts(qbo)).toHaveLength(1);
    expect(pages(qbo)).toHaveLength(12);
    expect(pages(qbo).map((s) => /STARTPOSITION (\d+)/.exec(s)![1]).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 12 }, (_, i) => String(1 + i * 10)),
    );
    // Per-chunk pages are the pages that delivered rows to the chunk: a page spanning two windows counts for both;
    // the total is the pages requested, each once.
    expect(manifest.totals).toMatchObject({ extracted: 8, rows: 120, api_calls: 13, pages: 12 });
    expect(manifest.chunks.reduce((n, c) => n + c.pages!, 0)).toBe(16);
    expect(manifest.chunks.map((c) => [c.rows, c.source_count])).toEqual(Array.from({ length: 8 }, () => [15, 15]));
    expect((await spooled(manifest.chunks.map((c) => c.spool_path))).size).toBe(120);
    expect(events.some((e) => e.type === 'log' && e.code === 'RANGE_CHANGED_MID_READ')).toBe(false);
  });

  it('gives every chunk read by the pass the whole pass\'s figures: its first and last chunk, pages, API calls, time', async () => {
    const { deps, events } = setup();
    await extractRun(deps, vars());
    const done = events.filter((e): e is ChunkEvent => e.type === 'chunk' && e.status === 'done');
    expect(done).toHaveLength(8);
    for (const e of done) expect(e.pass).toEqual({ first_chunk: 0, last_chunk: 7, pages_read: 12, api_calls: 13, retries: 0, throttled: 0, duration_ms: expect.any(Number) });
    expect(done.map((e) => e.metrics?.api_calls)).toEqual([13, 0, 0, 0, 0, 0, 0, 0]); // booked once, on the first
  });

  it('halves a range holding more rows than one pass may read, counting each half', async () => {
    const { deps, qbo } = setup({ closedRanges: { maxPassRows: 40 } });
    const manifest = await extractRun(deps, vars());
    // 120 rows → halves of 60 → quarters of 30. Each halving counts its first half only (the second is the rest):
    // the range, its first half, and the first quarter of each half; then 3 pages per quarter.
    expect(counts(qbo)).toHaveLength(4);
    expect(pages(qbo)).toHaveLength(12);
    expect(manifest.totals).toMatchObject({ extracted: 8, rows: 120, api_calls: 16 });
    expect((await spooled(manifest.chunks.map((c) => c.spool_path))).size).toBe(120);
  });

  it('halves a range of more windows than one segment may spool', async () => {
    const { deps, qbo } = setup({ closedRanges: { maxPassChunks: 3 } });
    const manifest = await extractRun(deps, vars());
    // 8 windows → 4 + 4 → 2 + 2 + 2 + 2: the range, its first half, and each half's first quarter are counted.
    expect(counts(qbo)).toHaveLength(4);
    expect(manifest.chunks.map((c) => [c.rows, c.source_count])).toEqual(Array.from({ length: 8 }, () => [15, 15]));
  });

  it('reads a range again, half by half, when a record leaves it mid-pass: nothing lost, nothing twice', async () => {
    const { deps, qbo, events } = setup({ concurrency: 1 });
    // After the first page of the first pass, invoice 3 (on page 1) is updated: it moves to "now", later offsets
    // slide back by one and the pass returns 119 of the 120 records counted.
    qbo.beforeQuery = (statement, n) => {
      if (n === 3) qbo.touch('3', NOW - 60_000);
    };
    const manifest = await extractRun(deps, vars());
    const logged = events.filter((e) => e.type === 'log' && e.code === 'RANGE_CHANGED_MID_READ');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ tags: { counted: 120, returned: 119 } });
    const ids = await spooled(manifest.chunks.map((c) => c.spool_path));
    // Invoice 3 left the range for good (its new version belongs to a later run); every other is there, once.
    expect(ids.size).toBe(119);
    expect(ids.has('3')).toBe(false);
    expect(manifest.chunks.map((c) => c.source_count)).toEqual([14, 15, 15, 15, 15, 15, 15, 15]);
    expect(manifest.chunks.map((c) => c.rows)).toEqual([14, 15, 15, 15, 15, 15, 15, 15]);
  });

  it('falls back to keyset for a single window whose records keep leaving', async () => {
    const { deps, qbo, events } = setup({ concurrency: 1 });
    let touched = 0;
    // Every offset pass over a range starting with the first day sees one more of that day's records leave
    // mid-pass: the whole range, then its first half, quarter, and the first day alone (4 passes, 4 records).
    qbo.beforeQuery = (statement) => {
      if (statement.includes("'2024-01-01T00:00:00") && statement.includes('STARTPOSITION 11 ')) qbo.touch(String(1 + touched++), NOW - 60_000);
    };
    const manifest = await extractRun(deps, vars());
    const logged = events.filter((e): e is LogEvent => e.type === 'log' && e.code === 'RANGE_CHANGED_MID_READ');
    expect(logged.length).toBeGreaterThan(1);
    expect(logged[logged.length - 1]!.message).toContain('by keyset');
    const ids = await spooled(manifest.chunks.map((c) => c.spool_path));
    expect(touched).toBe(4);
    expect(ids.size).toBe(116);
    for (let id = touched + 1; id <= 120; id += 1) expect(ids.has(String(id))).toBe(true);
  });

  it('fails the windows of a range whose COUNT(*) fails, and resumes them later', async () => {
    const { deps, qbo, ledger, events } = setup({ breakerThreshold: 5 });
    qbo.failOn = (statement) =>
      statement.startsWith('SELECT COUNT(*)') ? new RetriableError('QBO query failed with status 503', { code: 'QBO_SERVER_ERROR', status: 503 }) : undefined;
    const err = (await extractRun(deps, vars()).catch((e: unknown) => e)) as BackfillError;
    expect(err.code).toBe('CHUNKS_FAILED');
    expect(ledger.runs[0]!.chunks.every((c) => c.status === 'failed')).toBe(true);
    expect(events.filter((e): e is ChunkEvent => e.type === 'chunk' && e.status === 'failed')).toHaveLength(8);
    expect(pages(qbo)).toHaveLength(0);
    qbo.failOn = () => undefined;
    const resumed = await extractRun(deps, vars());
    expect(resumed).toMatchObject({ resumed: true, totals: { extracted: 8, rows: 120 } });
  });
});
