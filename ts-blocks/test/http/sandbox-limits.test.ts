/** Throttling, faults and limits against the local sandbox. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackfillEvent } from '../../src/core/events';
import { clearRegisteredSecrets } from '../../src/core/sanitize';
import { parseVariables } from '../../src/config/variables';
import { extractRun } from '../../src/extract/run';
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { MemoryLedger } from '../extract/memory-ledger';
import { groundTruthById, readManifestSpools, sandboxStack, sharedRealm, type TestStack } from '../extract/sandbox-helpers';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qbo-limits-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  clearRegisteredSecrets();
});

async function run(stack: TestStack, entity: 'invoices' | 'customers' | 'items', pageSize: number, concurrency = 8) {
  const vars = parseVariables({ fecha_inicio: '2020-01-01', fecha_fin: '2031-01-01', chunk_days: 90, page_size: pageSize }, entity);
  return extractRun(
    { ledger: new MemoryLedger(), client: stack.client, auth: stack.auth, spoolDir: dir, concurrency, breakerThreshold: 3, origin: 'cli', clock: stack.clock, emit: (e) => stack.events.push(e) },
    vars,
  );
}

describe('faults injected by the sandbox', () => {
  const realm = sharedRealm();
  let sandbox: SandboxHandle;
  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 5, customers: 150, items: 60, invoices: 10, now: realm.clock.now });
  });
  afterAll(() => sandbox.close());

  it('retries 429 storms (XML bodies), 5xx bursts and dropped connections, and still spools the exact ground truth', async () => {
    sandbox.setFaults({ p429: 0.15, p500: 0.1, p503: 0.1, pReset: 0.1, throttleFormat: 'xml' });
    // 45% of attempts fail: with 8 retries some request among hundreds would give up now and then (0.45^9 each),
    // depending on how concurrent requests interleave with the seeded faults; 20 makes that negligible.
    const stack = sandboxStack(sandbox, { ...realm, limits: { maxRetries: 20 } });
    const manifest = await run(stack, 'customers', 10).finally(() => sandbox.setFaults({ p429: 0, p500: 0, p503: 0, pReset: 0 }));
    const injected = sandbox.stats().injected;
    expect(Object.values(injected).reduce((a, b) => a + b, 0)).toBeGreaterThan(5);
    expect(manifest.totals.retries).toBeGreaterThan(5);
    expect(manifest.totals.throttled).toBeGreaterThan(0);
    const spooled = await readManifestSpools(manifest);
    const truth = groundTruthById(sandbox, 'Customer');
    expect([...spooled.byId.keys()].sort()).toEqual([...truth.keys()].sort());
    for (const [id, record] of truth) expect(spooled.byId.get(id)).toEqual(record);
    const retries = stack.events.filter((e) => e.type === 'retry');
    expect(retries.length).toBe(manifest.totals.retries);
    expect(new Set(retries.map((e) => e.type === 'retry' && e.code))).toEqual(new Set(['QBO_THROTTLED', 'QBO_SERVER_ERROR', 'QBO_NETWORK']));
  });

  it('on a persistent 429 storm waits short at first, then the full window, and the circuit breaker stops the run naming the throttling', async () => {
    sandbox.setFaults({ p429: 1 });
    const stack = sandboxStack(sandbox, { ...realm, limits: { maxRetries: 4, throttleShortMs: 10, throttleWaitMs: 100, throttlePersistAfter: 3 } });
    // By TxnDate every window is read on its own, so each failed window counts towards the breaker.
    const vars = parseVariables({ fecha_inicio: '2020-01-01', fecha_fin: '2031-01-01', chunk_days: 365, page_size: 1000, date_field: 'txn_date' }, 'invoices');
    const deps = { ledger: new MemoryLedger(), client: stack.client, auth: stack.auth, spoolDir: dir, concurrency: 1, breakerThreshold: 3, origin: 'cli' as const, clock: stack.clock, emit: (e: BackfillEvent) => stack.events.push(e) };
    const err = (await extractRun(deps, vars).finally(() => sandbox.setFaults({ p429: 0 })).catch((e: unknown) => e)) as Error & { code?: string };
    expect(err.code).toBe('CIRCUIT_OPEN');
    expect(err.message).toMatch(/Circuit breaker open: 3 consecutive chunks failed.*gave up after 5 tries on 127\.0\.0\.1:\d+.*status 429/s);
    const waits = stack.events.flatMap((e) => (e.type === 'retry' ? [[e.delay_ms, e.wait_reason]] : []));
    // The first request: two short waits (10 ms doubled, a random time in the upper half), then the full window
    // once 429s persist; the streak runs on across requests, so the next requests wait the full window at once.
    expect(waits.slice(0, 6)).toEqual([[7, 'room'], [15, 'room'], [100, 'persistent'], [100, 'persistent'], [100, 'persistent'], [100, 'persistent']]);
  });

  it('survives a scripted burst of consecutive failures on one request', async () => {
    sandbox.setFaults({ script: [1, 2, 3, 4].map((request) => ({ request, fault: request % 2 ? ('503' as const) : ('reset' as const) })) });
    const stack = sandboxStack(sandbox, realm);
    const manifest = await run(stack, 'items', 1000, 1).finally(() => sandbox.setFaults({ script: [] }));
    expect(manifest.totals.failed).toBe(0);
    expect(manifest.totals.retries).toBeGreaterThanOrEqual(4);
    expect((await readManifestSpools(manifest)).byId.size).toBe(groundTruthById(sandbox, 'Item').size);
  });
});

describe('the realm limiter', () => {
  // The sandbox's limits are scaled down (60/min, 4 in flight) so a small company crosses several minutes.
  const realm = sharedRealm({ maxInFlight: 3, requestsPerWindow: 54 });
  let sandbox: SandboxHandle;
  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 9, customers: 40, items: 10, invoices: 700, now: realm.clock.now, rateLimitPerMin: 60, maxInFlight: 4 });
  });
  afterAll(() => sandbox.close());

  it("keeps the sandbox's 429 count at 0 with no fault injected, whatever the chunk concurrency", async () => {
    const stack = sandboxStack(sandbox, { ...realm, limits: { maxInFlight: 3, requestsPerWindow: 54 } });
    const started = realm.clock.now();
    // 700 invoices in pages of 5: ~140 pages plus a few COUNTs, well over two windows' worth of requests.
    const manifest = await run(stack, 'invoices', 5, 8);
    const stats = sandbox.stats();
    expect(stats.apiRequests).toBeGreaterThan(2 * 54);
    expect(stats.throttled).toBe(0);
    expect(stats.maxInFlight).toBeLessThanOrEqual(3);
    expect(manifest.totals.retries).toBe(0);
    expect(realm.clock.now() - started).toBeGreaterThan(2 * 60_000);
    expect((await readManifestSpools(manifest)).byId.size).toBe(groundTruthById(sandbox, 'Invoice').size);
  });
});
