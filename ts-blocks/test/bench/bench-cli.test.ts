/**
 * `npm run bench -- --invoices 20000 --faults --json` runs end to end (sandbox, fresh database, the compiled loader, exporter
 * and validator blocks, both floors) twice (clean, then with faults) and prints one well-formed JSON document. Not a timed test: the figures are
 * checked for shape and sanity, never against a speed.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Figures } from '../../src/bench/figures';
import type { BenchResult } from '../../src/bench/render';
import { adminUrl } from '../helpers/db';

const ROOT = join(__dirname, '..', '..', '..');
// 20,000 invoices: 20 pages, enough requests for the fault run below to meet each kind of failure.
const ARGS = ['--invoices', '20000', '--customers', '60', '--items', '25', '--latency-ms', '1', '--latency-per-row-ms', '0',
  '--jitter-ms', '0', '--chunk-days', '365', '--faults', '--fault-429', '0.1', '--fault-500', '0.1', '--fault-reset', '0.05', '--json'];

function runBench(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // `npm test` has built dist/ already; rebuilding here would rewrite files other test files may be spawning.
    const env = { ...process.env, QBO_BENCH_ADMIN_URL: adminUrl(), QBO_BENCH_SKIP_BUILD: '1' };
    execFile('npm', ['run', 'bench', '--', ...ARGS], { cwd: ROOT, env, maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function benchDatabases(): Promise<string[]> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    const r = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'qbo_bench_%'`);
    return r.rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

function expectSane(f: Figures, whole = false): void {
  for (const n of [f.wallMs, f.loaderMs, f.exporterMs, f.apiFloorMs, f.dbFloorMs, f.rowsPerSec, f.ratio, f.cpu.sandboxMs]) {
    expect(Number.isFinite(n)).toBe(true);
    expect(n).toBeGreaterThanOrEqual(0);
  }
  // An entity's wall is its loader + exporter + validator; the whole run's (pipelines together) is measured, and shorter.
  const validatorMs = f.validation?.ms ?? 0;
  if (whole) expect(f.wallMs).toBeLessThanOrEqual(f.loaderMs + f.exporterMs + validatorMs);
  else expect(f.wallMs).toBeCloseTo(f.loaderMs + f.exporterMs + validatorMs, 0);
  expect(f.dbFloorMs).toBeGreaterThan(0);
  expect(f.ratio).toBeGreaterThan(0);
  expect(f.ratio).toBeLessThan(1.5);
  expect(f.requests.total).toBe(f.requests.data + f.requests.count + f.requests.token);
  expect(f.requests.data).toBeGreaterThanOrEqual(f.requests.min - f.requests.token);
  expect(f.requests.token).toBeGreaterThanOrEqual(1);
  for (const kb of [f.peakRss.loaderKb, f.peakRss.exporterKb, f.peakRss.validatorKb]) {
    expect(kb).toBeGreaterThan(10_000);
    expect(kb).toBeLessThan(4 * 2 ** 20);
  }
  expect(f.cpu.loaderMs).toBeGreaterThan(0);
  expect(f.cpu.exporterMs).toBeGreaterThan(0);
  expect(f.validation?.ok).toBe(true);
}

describe('npm run bench', () => {
  let result: BenchResult;
  let before: string[];
  let run: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    before = await benchDatabases();
    run = await runBench();
    const json = run.stdout.split('\n').filter((line) => line.startsWith('{')).pop();
    result = JSON.parse(json ?? 'null') as BenchResult;
  }, 300_000);

  test('exits 0 and prints one JSON document with every entity, the total, the machine and the targets', () => {
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(Object.keys(result.entities).sort()).toEqual(['customers', 'invoices', 'items']);
    expect(result.machine.cpus).toBeGreaterThan(0);
    expect(result.machine.postgres).toMatch(/^PostgreSQL \d+/);
    expect(result.options).toMatchObject({ invoices: 20000, customers: 60, items: 25, latencyMs: 1, json: true });
    expect(Object.keys(result.targets).sort()).toEqual(['ratio', 'requestsOverMin', 'throttled', 'validators']);
    expect(result.entities.invoices.validation?.timings).toEqual(expect.objectContaining({ primary_key: expect.any(Number), idempotency: expect.any(Number), report: expect.any(Number) }));
  });

  test('--faults runs the same data clean and faulty: nothing lost, QBO\'s limits kept counting refused requests, a slowdown printed', () => {
    const f = result.faults!;
    expect(f.profile).toEqual({ p429: 0.1, p500: 0.1, p503: 0.02, pReset: 0.05 });
    expect(f.clean.injected).toEqual({});
    expect(Object.values(f.faulty.injected).reduce((a, n) => a + n, 0)).toBeGreaterThan(0);
    expect([f.clean.rowsLost, f.faulty.rowsLost, f.faulty.rows]).toEqual([0, 0, 20085]);
    expect(f.faulty.validationOk).toBe(true);
    expect(f.slowdown).toBeCloseTo(f.faulty.wallMs / f.clean.wallMs, 2);
    expect(f.targets.inFlight).toMatchObject({ met: true });
    expect(f.targets.perMinute).toMatchObject({ met: true });
    expect(f.faulty.load.peakConcurrent).toBeLessThanOrEqual(10);
    expect(result.load).toEqual(f.clean.load);
  });

  test('rows landed equal the sandbox company: 20000 invoices, every customer and item, inactive included', () => {
    expect(result.entities.invoices.sourceRows).toBe(20000);
    expect(result.entities.customers.sourceRows).toBe(60);
    expect(result.entities.items.sourceRows).toBe(25);
    for (const f of Object.values(result.entities)) expect(f.rows).toBe(f.sourceRows);
    expect(result.total.rows).toBe(20085);
  });

  test('every figure is present and sane, per entity and in total, and no 429 was received', () => {
    for (const f of Object.values(result.entities)) expectSane(f);
    expectSane(result.total, true);
    expect(result.total.throttled).toBe(0);
    // 20000 invoices: 20 pages; 60 customers and 25 items: 1 page each; plus one token call per entity.
    expect(result.total.requests.min).toBe(20 + 1 + 1 + 3);
    const entities = Object.values(result.entities);
    const sum = (k: 'wallMs' | 'apiFloorMs' | 'dbFloorMs') => entities.reduce((a, f) => a + f[k], 0);
    const max = (k: 'wallMs' | 'apiFloorMs') => Math.max(...entities.map((f) => f[k]));
    // The pipelines ran together: the whole run takes at least its longest pipeline and less than all of them
    // back to back; the API floor of all pages sharing the limits is no more than the sum, no less than the longest.
    expect(result.together).toBe(true);
    expect(result.total.wallMs).toBeGreaterThanOrEqual(max('wallMs') - 1);
    expect(result.total.wallMs).toBeLessThan(sum('wallMs'));
    expect(result.total.apiFloorMs).toBeLessThanOrEqual(sum('apiFloorMs'));
    expect(result.total.apiFloorMs).toBeGreaterThanOrEqual(max('apiFloorMs'));
    expect(result.total.dbFloorMs).toBeCloseTo(sum('dbFloorMs'), 0);
    // Every request is charged to its own entity although they ran at once: one token call per loader and per
    // validator, COUNTs and pages of that entity only.
    for (const f of entities) expect(f.requests.token).toBe(1);
  });

  test('the bench database is dropped afterwards', async () => {
    expect((await benchDatabases()).filter((d) => !before.includes(d))).toEqual([]);
  });
});
