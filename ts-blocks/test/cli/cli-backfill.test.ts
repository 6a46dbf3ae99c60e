import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import type { SandboxHandle } from '../../src/sandbox';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { cli, cliEnv, lastEvent, runArgs, smallSandbox, tablePayloads, tablesText, truthPayloads, workDir, type TestEntity } from './helpers';

const ENTITIES: TestEntity[] = ['customers', 'items', 'invoices'];

describe('qbo-backfill CLI against the sandbox', () => {
  let db: TestDatabase;
  let sandbox: SandboxHandle;
  let client: Client;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const outputs: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('cli');
    sandbox = await smallSandbox();
    client = await db.client();
    dir = workDir('backfill');
    env = cliEnv(sandbox, db.url, dir);
  });
  afterAll(async () => {
    await sandbox.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('db init creates the schemas, and can be repeated', async () => {
    for (let i = 0; i < 2; i++) {
      const out = await cli(['db', 'init'], env, dir);
      outputs.push(out.stdout, out.stderr);
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(/Applied \d+ file\(s\) of db\/init to .*001_schemas\.sql/);
    }
  });

  it('a full backfill of all three entities equals the sandbox ground truth, inactive rows included', async () => {
    const out = await cli(runArgs('all'), env, dir);
    outputs.push(out.stdout, out.stderr);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/entity\s+status\s+run\s+chunks\s+rows read\s+inserted/);
    expect(out.stdout).toMatch(/invoices\s+succeeded/);
    for (const entity of ENTITIES) {
      const table = await tablePayloads(client, entity);
      const truth = truthPayloads(sandbox, entity);
      expect(table.size).toBe(truth.size);
      expect(table).toEqual(truth);
    }
    const inactive = await client.query(`SELECT count(*)::int AS n FROM raw.qb_customers WHERE payload->>'Active' = 'false'`);
    expect(inactive.rows[0].n).toBeGreaterThan(0);
  });

  it('re-running reports 0 inserted and 0 updated and leaves every table byte-for-byte unchanged (--json)', async () => {
    const snapshot = () => tablesText(client, ENTITIES);
    const before = await snapshot();
    const out = await cli(runArgs('all', ['--json']), env, dir);
    outputs.push(out.stdout, out.stderr);
    expect(out.code).toBe(0);
    expect(out.events.length).toBeGreaterThan(10);
    const result = lastEvent(out) as { type: string; summary: { runs: Array<{ entity: string; status: string; load: { totals: Record<string, number> } }> } };
    expect(result.type).toBe('result');
    expect(result.summary.runs.map((r) => r.entity)).toEqual(['customers', 'items', 'invoices']);
    for (const run of result.summary.runs) {
      expect(run.status).toBe('succeeded');
      expect(run.load.totals).toMatchObject({ rows_inserted: 0, rows_updated: 0 });
      expect(run.load.totals.rows_unchanged).toBeGreaterThan(0);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('keeps the rotated refresh token in a 0600 token file and never prints a credential', async () => {
    const tokenFile = join(dir, 'token.json');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(tokenFile, 'utf8')) as { refresh_token: string };
    expect(saved.refresh_token).not.toBe(sandbox.refreshToken);
    const all = outputs.join('\n');
    for (const secret of [sandbox.clientSecret, sandbox.refreshToken, saved.refresh_token]) expect(all).not.toContain(secret);
  });

  it('writes the report of each run, and report --latest rewrites and shows those of the latest runs', async () => {
    for (const entity of ENTITIES) expect(existsSync(join(dir, 'evidencias', entity, 'report.html'))).toBe(true);
    rmSync(join(dir, 'evidencias'), { recursive: true });
    const out = await cli(['report', '--latest'], env, dir);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/customers run [0-9a-f-]{36} \(succeeded\)/);
    expect(out.stdout).toMatch(/invoices run [0-9a-f-]{36} \(succeeded\)/);
    for (const entity of ENTITIES) expect(existsSync(join(dir, 'evidencias', entity, 'report.md'))).toBe(true);
  });

  it('report --run <id> --json gives one run with every chunk\'s metrics', async () => {
    const { rows } = await client.query(`SELECT run_id FROM ops.backfill_runs WHERE entity = 'items' ORDER BY started_at_utc LIMIT 1`);
    const out = await cli(['report', '--run', rows[0].run_id, '--json'], env, dir);
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.stdout) as { runs: Array<{ run: { run_id: string; status: string }; chunks: Array<{ status: string; inserted: number }> }> };
    expect(doc.runs).toHaveLength(1);
    expect(doc.runs[0]?.run).toMatchObject({ run_id: rows[0].run_id, status: 'succeeded' });
    expect(doc.runs[0]?.chunks.every((c) => c.status === 'loaded')).toBe(true);
    expect(doc.runs[0]?.chunks.reduce((n, c) => n + c.inserted, 0)).toBe(truthPayloads(sandbox, 'items').size);
  });
});
