import { rmSync } from 'node:fs';
import type { Client } from 'pg';
import type { SandboxHandle } from '../../src/sandbox';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { cli, cliEnv, HISTORY, lastEvent, smallSandbox, tablePayloads, truthPayloads, workDir } from './helpers';

const ARGS = ['run', '--entity', 'invoices', '--from', HISTORY.from, '--to', HISTORY.to, '--chunk-days', '5', '--json'];

describe('qbo-backfill run interrupted with Ctrl-C', () => {
  let db: TestDatabase;
  let sandbox: SandboxHandle;
  let client: Client;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('cliint');
    await db.applyInit();
    sandbox = await smallSandbox({ latencyMs: 20 });
    client = await db.client();
    dir = workDir('interrupt');
  });
  afterAll(async () => {
    await sandbox.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops with exit 130 and an error event saying so, and the same command then finishes the run', async () => {
    let done = 0;
    const first = await cli(ARGS, cliEnv(sandbox, db.url, dir), dir, (line, _kill, signal) => {
      if (line.includes('"phase":"extract"') && line.includes('"status":"done"') && ++done === 3) signal('SIGINT');
    });
    expect(first.code).toBe(130);
    expect(lastEvent(first)).toMatchObject({ type: 'error', error: { code: 'INTERRUPTED', message: expect.stringMatching(/^Interrupted by SIGINT/) } });
    expect(first.stderr).toMatch(/SIGINT: stopping .* re-run the same command to resume/);
    const second = await cli(ARGS, cliEnv(sandbox, db.url, dir), dir);
    expect(second.code).toBe(0);
    const runs = await client.query(`SELECT count(*)::int AS n, max(open_count) AS opened, max(status) AS status FROM ops.backfill_runs`);
    expect(runs.rows[0]).toEqual({ n: 1, opened: 2, status: 'succeeded' });
    expect(await tablePayloads(client, 'invoices')).toEqual(truthPayloads(sandbox, 'invoices'));
  });
});
