/**
 * Two real loader processes (the compiled block entry point) given the same variables, as when Mage retries a block
 * while the first attempt's orphaned child is still alive: the second is refused at once, naming the first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { distPath, runNode, type NodeRun } from '../pipeline/run-node';

describe('two loader processes on the same run', () => {
  let sandbox: SandboxHandle;
  let db: TestDatabase;
  let client: Client;
  let dir: string;
  let openGate: () => void = () => undefined;

  beforeAll(async () => {
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    // Every QBO query waits at the gate: the first loader holds its run until the test lets it go on.
    sandbox = await startSandbox({ seed: 3, customers: 40, items: 5, invoices: 5, latencyMs: 1, sleep: () => gate });
    db = await createTestDatabase('loaderlock');
    await db.applyInit();
    client = await db.client();
    dir = mkdtempSync(join(tmpdir(), 'qbo-loader-lock-'));
  });
  afterAll(async () => {
    openGate();
    await sandbox.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const input = () =>
    `${JSON.stringify({
      vars: { entity: 'customers', fecha_inicio: '2020-01-01', fecha_fin: '2031-01-01', chunk_days: '365' },
      secrets: {
        QBO_API_BASE_URL: sandbox.baseUrl, QBO_TOKEN_URL: sandbox.tokenUrl, QBO_REALM_ID: sandbox.realmId,
        QBO_CLIENT_ID: sandbox.clientId, QBO_CLIENT_SECRET: sandbox.clientSecret, QBO_REFRESH_TOKEN: sandbox.refreshToken,
        DATABASE_URL: db.url, QBO_SPOOL_DIR: join(dir, 'spool'), QBO_TOKEN_FILE: join(dir, 'token.json'),
      },
      upstream: null,
    })}\n`;
  const loader = (onLine?: (line: string) => void) =>
    runNode(distPath('blocks/loader.js'), [], { stdin: input(), env: { PATH: process.env.PATH ?? '' }, cwd: dir, onLine });

  it('refuses the second at once with RUN_BUSY naming the first, and the first then finishes the run', async () => {
    let startSecond: (() => void) | undefined;
    const second = new Promise<NodeRun>((resolve) => (startSecond = () => resolve(loader())));
    const first = loader((line) => {
      // The run is opened (and locked) before RUN_STARTED; its first query then waits at the gate.
      if (!line.includes('"code":"RUN_STARTED"')) return;
      startSecond?.();
      startSecond = undefined;
    });
    const firstEndedEarly = first.then((r) => Promise.reject(new Error(`the first loader ended before extracting: ${r.stdout}`)));
    const refused = await Promise.race([second, firstEndedEarly]);
    expect(refused.code).toBe(2);
    const error = refused.events[refused.events.length - 1]!;
    expect(error).toMatchObject({ type: 'error', error: { kind: 'config', code: 'RUN_BUSY' } });
    expect(String((error.error as { message: string }).message)).toMatch(
      /^Run [0-9a-f-]{36} is being processed by another process \(qbo-backfill loader customers pid \d+@/,
    );
    openGate();
    const done = await first;
    expect(done.code).toBe(0);
    const runs = await client.query('SELECT status, open_count FROM ops.backfill_runs');
    expect(runs.rows).toEqual([{ status: 'extracted', open_count: 1 }]);
    // Both processes ended: no live lease is left; the first's last requests stay reserved (released) for a minute.
    const leases = await client.query('SELECT released, reserved_in_flight, reserved_per_window FROM ops.realm_leases');
    expect(leases.rows.every((l) => l.released === true && l.reserved_in_flight === 0 && l.reserved_per_window > 0)).toBe(true);
  });
});
