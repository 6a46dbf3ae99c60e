import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthError, FatalError, RetriableError, type BackfillError } from '../../src/core/errors';
import type { BackfillEvent, ChunkEvent } from '../../src/core/events';
import type { AccessTokenProvider } from '../../src/auth/token-manager';
import { parseVariables } from '../../src/config/variables';
import { extractRun, type ExtractDeps } from '../../src/extract/run';
import type { QboClient } from '../../src/http/qbo-client';
import { readSpool } from '../../src/spool';
import { FakeQbo } from '../paginate/fake-qbo';
import { instantClock } from '../http/test-clock';
import { MemoryLedger } from './memory-ledger';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const vars = (extra: Record<string, unknown> = {}) =>
  parseVariables({ fecha_inicio: '2024-01-01', fecha_fin: '2024-01-05', chunk_days: 1, page_size: 10, ...extra }, 'invoices');
/** Windows on TxnDate are read one by one by keyset: what the chunk-by-chunk behaviour below is about. */
const byTxnDate = () => vars({ date_field: 'txn_date' });

let spoolDir: string;
beforeEach(() => {
  spoolDir = mkdtempSync(join(tmpdir(), 'qbo-extract-'));
});
afterEach(() => rmSync(spoolDir, { recursive: true, force: true }));

const auth = (fail?: BackfillError): AccessTokenProvider => ({
  accessToken: async () => {
    if (fail) throw fail;
    return 'token';
  },
  invalidate: () => undefined,
});

function setup(overrides: Partial<ExtractDeps> = {}) {
  const qbo = new FakeQbo();
  for (let i = 0; i < 40; i += 1) {
    const at = T0 + Math.floor(i / 10) * DAY + (i % 10) * 60_000 + 1000;
    qbo.add(String(i + 1), at, { TxnDate: new Date(at).toISOString().slice(0, 10) });
  }
  const ledger = new MemoryLedger();
  const events: BackfillEvent[] = [];
  const deps: ExtractDeps = {
    ledger, client: cancellable(qbo), auth: auth(), spoolDir, concurrency: 3, breakerThreshold: 2, origin: 'cli',
    emit: (e) => events.push(e), clock: instantClock(), ...overrides,
  };
  return { qbo, ledger, events, deps };
}

async function spooledIds(path: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const row of readSpool(path)) ids.push(row.record.Id);
  return ids;
}

/**
 * The fake endpoint behind a client that, like the real one, fails a request whose signal has aborted. `hold` may
 * keep a request waiting (a slow answer) until it resolves.
 */
function cancellable(qbo: FakeQbo, hold: (statement: string, signal?: AbortSignal) => Promise<void> | undefined = () => undefined): QboClient {
  const cancelled = () => new FatalError('QBO query was cancelled: POST /v3/company/realm-1/query. The run was stopped.', { code: 'ABORTED' });
  return {
    realmId: qbo.realmId,
    requestPayload: (statement) => qbo.requestPayload(statement),
    getCdc: (entity, since, options) => qbo.getCdc(entity, since, options),
    postQuery: async (statement, options) => {
      if (options?.signal?.aborted) throw cancelled();
      await hold(statement, options?.signal);
      const body = await qbo.postQuery(statement, options);
      if (options?.signal?.aborted) throw cancelled();
      return body;
    },
  };
}

const chunkEvents = (events: BackfillEvent[], status: ChunkEvent['status']) =>
  events.filter((e): e is ChunkEvent => e.type === 'chunk' && e.status === status);

describe('extractRun', () => {
  it('extracts every window into its spool file and returns the manifest', async () => {
    const { deps, ledger, events } = setup();
    const manifest = await extractRun(deps, vars());
    expect(manifest).toMatchObject({ entity: 'invoices', realm_id: 'realm-1', date_field: 'last_updated', spool_dir: spoolDir, resumed: false });
    expect(manifest.range).toEqual({ start_utc: '2024-01-01T00:00:00.000Z', end_utc: '2024-01-05T00:00:00.000Z', chunk_days: 1, page_size: 10 });
    expect(manifest.chunks.map((c) => [c.chunk_index, c.status, c.rows, c.source_count])).toEqual([
      [0, 'extracted', 10, 10],
      [1, 'extracted', 10, 10],
      [2, 'extracted', 10, 10],
      [3, 'extracted', 10, 10],
    ]);
    // Closed windows are read together: one COUNT(*) of the range, then its 4 pages of 10 at once.
    expect(manifest.totals).toMatchObject({ chunks: 4, extracted: 4, skipped: 0, failed: 0, rows: 40, pages: 4, api_calls: 5 });
    const all = (await Promise.all(manifest.chunks.map((c) => spooledIds(c.spool_path!)))).flat();
    expect(all.sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 40 }, (_, i) => String(i + 1)));
    expect(ledger.runs[0]!.status).toBe('extracted');
    expect(chunkEvents(events, 'done')[0]).toMatchObject({
      phase: 'extract', chunk_count: 4, metrics: { pages_read: 1, rows_read: 10, api_calls: 5, retries: 0, throttled: 0, source_count: 10 },
    });
  });

  it('reads each window by keyset, with its COUNT(*), when windows are on TxnDate', async () => {
    const { deps } = setup();
    const manifest = await extractRun(deps, vars({ date_field: 'txn_date' }));
    expect(manifest.chunks.map((c) => [c.rows, c.source_count])).toEqual([[10, 10], [10, 10], [10, 10], [10, 10]]);
    expect(manifest.totals).toMatchObject({ rows: 40, pages: 8, api_calls: 12 });
  });

  it('on resume skips loaded chunks and extracted chunks whose spool file is complete, without API calls', async () => {
    const { deps, ledger, qbo, events } = setup();
    const first = await extractRun(deps, vars());
    ledger.markLoaded(first.run_id, 0);
    ledger.runs[0]!.status = 'failed';
    rmSync(first.chunks[3]!.spool_path!);
    qbo.statements.length = 0;
    const second = await extractRun(deps, vars());
    expect(second.run_id).toBe(first.run_id);
    expect(second.resumed).toBe(true);
    expect(second.chunks.map((c) => c.status)).toEqual(['already_loaded', 'already_extracted', 'already_extracted', 'extracted']);
    expect(second.chunks[1]).toMatchObject({ rows: 10, pages: 1, source_count: 10 });
    // Only the missing window is read again: its COUNT(*) and its one page.
    expect(qbo.statements).toHaveLength(2);
    expect(qbo.statements.every((s) => s.includes("< '2024-01-05T00:00:00+00:00'"))).toBe(true);
    expect(chunkEvents(events, 'skipped').map((e) => e.reason)).toContain('loaded earlier in this run');
  });

  it('with force starts a new run and extracts everything again', async () => {
    const { deps } = setup();
    const first = await extractRun(deps, vars());
    const forced = await extractRun(deps, vars({ force: true }));
    expect(forced.run_id).not.toBe(first.run_id);
    expect(forced.totals.extracted).toBe(4);
  });

  it('opens the circuit breaker after N consecutive failed chunks and fails the run', async () => {
    const { deps, ledger, qbo } = setup({ concurrency: 1 });
    qbo.failOn = () => new RetriableError('QBO query failed with status 503: POST /v3/company/realm-1/query', { code: 'QBO_SERVER_ERROR', status: 503 });
    const err = (await extractRun(deps, byTxnDate()).catch((e: unknown) => e)) as BackfillError;
    expect(err.code).toBe('CIRCUIT_OPEN');
    expect(err.message).toContain('2 consecutive chunks failed');
    expect(err.message).toContain('status 503');
    expect(ledger.calls.filter((c) => c.startsWith('failed'))).toEqual(['failed 0 QBO_SERVER_ERROR', 'failed 1 QBO_SERVER_ERROR']);
    expect(ledger.runs[0]!.status).toBe('failed');
  });

  it('fails the run naming the failed chunk when fewer than N fail in a row', async () => {
    const { deps, qbo, ledger } = setup({ concurrency: 1 });
    qbo.failOn = (s) => (s.includes("TxnDate >= '2024-01-02'") ? new RetriableError('boom 503', { code: 'QBO_SERVER_ERROR', status: 503 }) : undefined);
    const err = (await extractRun(deps, byTxnDate()).catch((e: unknown) => e)) as BackfillError;
    expect(err.code).toBe('CHUNKS_FAILED');
    expect(err.message).toContain('1 of 4 chunks failed; first, chunk 1');
    expect(ledger.runs[0]!.chunks.map((c) => c.status)).toEqual(['extracted', 'failed', 'extracted', 'extracted']);
  });

  it('stops at once on an authentication failure', async () => {
    const { deps, qbo, ledger } = setup({ concurrency: 1, breakerThreshold: 10 });
    qbo.failOn = (_s, n) => (n === 4 ? new AuthError('refused twice', { code: 'QBO_UNAUTHORIZED', status: 401 }) : undefined);
    const err = (await extractRun(deps, byTxnDate()).catch((e: unknown) => e)) as BackfillError;
    expect(err.code).toBe('QBO_UNAUTHORIZED');
    expect(ledger.runs[0]!.chunks.map((c) => c.status)).toEqual(['extracted', 'failed', 'pending', 'pending']);
  });

  it('writes nothing when the refresh token is unusable', async () => {
    const { deps, ledger, qbo } = setup({ auth: auth(new AuthError('invalid_grant', { code: 'QBO_REAUTHORIZE', status: 400 })) });
    await expect(extractRun(deps, vars())).rejects.toMatchObject({ code: 'QBO_REAUTHORIZE' });
    expect(ledger.runs).toHaveLength(0);
    expect(qbo.statements).toHaveLength(0);
  });

  it('extracts windows reaching past the run start last, one at a time, in order', async () => {
    const now = Date.now();
    const from = new Date(Math.floor(now / DAY) * DAY - 3 * DAY);
    const { deps, events } = setup({ concurrency: 3 });
    await extractRun(deps, parseVariables({ fecha_inicio: from.toISOString(), fecha_fin: new Date(from.getTime() + 6 * DAY).toISOString(), chunk_days: 1 }, 'invoices'));
    const order = chunkEvents(events, 'started').map((e) => e.chunk_index);
    expect(order.slice(3)).toEqual([3, 4, 5]);
    const startedLive = events.findIndex((e) => e.type === 'chunk' && e.status === 'started' && e.chunk_index === 3);
    const doneHistoric = events.map((e, i) => (e.type === 'chunk' && e.status === 'done' && e.chunk_index < 3 ? i : -1)).filter((i) => i >= 0);
    expect(Math.max(...doneHistoric)).toBeLessThan(startedLive);
  });

  it('ends an interrupted run with INTERRUPTED: chunks cut short go back to pending and never open the breaker', async () => {
    const controller = new AbortController();
    const { deps, ledger, qbo, events } = setup({ concurrency: 3, breakerThreshold: 1, signal: controller.signal });
    qbo.beforeQuery = (_s, n) => {
      if (n === 2) controller.abort(new Error('SIGINT')); // Ctrl-C while the first requests are in flight
    };
    const err = (await extractRun(deps, byTxnDate()).catch((e: unknown) => e)) as BackfillError;
    expect(err).toMatchObject({ code: 'INTERRUPTED', message: expect.stringMatching(/^Run \S+ was interrupted \(SIGINT\)/) });
    expect(ledger.calls.filter((c) => c.startsWith('failed'))).toEqual([]);
    expect(ledger.calls.filter((c) => c.startsWith('interrupted'))).toHaveLength(3);
    expect(ledger.runs[0]!.chunks.map((c) => c.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
    expect(ledger.runs[0]!.error).toMatchObject({ code: 'INTERRUPTED' });
    expect(chunkEvents(events, 'failed')).toEqual([]);
    expect(events.filter((e) => e.type === 'log' && e.code === 'CHUNK_CANCELLED')).toHaveLength(3);
    // The same command then finishes the run.
    qbo.beforeQuery = () => undefined;
    const resumed = await extractRun({ ...deps, signal: new AbortController().signal }, byTxnDate());
    expect(resumed).toMatchObject({ run_id: ledger.runs[0]!.runId, resumed: true, totals: { extracted: 4, failed: 0 } });
  });

  it('does not count the chunks cancelled by a stop (auth failure) as failures of their own', async () => {
    const { deps: base, qbo, ledger } = setup({ concurrency: 3, breakerThreshold: 10 });
    // The first window's request is refused while the next two windows' requests are still waiting for QBO.
    const slow = (statement: string, signal?: AbortSignal) =>
      statement.includes("TxnDate >= '2024-01-01'") ? undefined : new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve()));
    qbo.failOn = (statement) => (statement.includes("TxnDate >= '2024-01-01'") ? new AuthError('refused twice', { code: 'QBO_UNAUTHORIZED', status: 401 }) : undefined);
    const deps = { ...base, client: cancellable(qbo, slow) };
    const err = (await extractRun(deps, byTxnDate()).catch((e: unknown) => e)) as BackfillError;
    expect(err.code).toBe('QBO_UNAUTHORIZED');
    expect(ledger.calls.filter((c) => c.startsWith('failed'))).toEqual(['failed 0 QBO_UNAUTHORIZED']);
    expect(ledger.calls.filter((c) => c.startsWith('interrupted')).sort()).toEqual(['interrupted 1', 'interrupted 2']);
    // No window was read before the auth failure: the run is removed, as after a bad flag.
    expect(ledger.calls.filter((c) => c.startsWith('discardRun'))).toHaveLength(1);
    expect(ledger.runs).toEqual([]);
  });
});
