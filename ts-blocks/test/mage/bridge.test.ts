/**
 * The Mage bridge (mage_project/utils/bridge.py) run by real `mage run`s of qb_invoices_backfill, with the block
 * entry points replaced by a protocol double (fixtures/blocks, on the real harness) so each protocol case can be
 * produced on demand: results and upstream outputs, events, acknowledged token rotation, failures, stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAGE_SH, mageEnv, PROJECT_ROOT, runPipeline, storeSecrets, type MageOptions } from '../../src/demo/mage-cli';
import { pollUntil } from '../../src/demo/mage-client';
import { deleteSecrets, filesUnder, FIXTURE_BLOCKS, leaks, needsMageVenv, readSecret, tempDataDir } from './helpers';

jest.setTimeout(120_000);
needsMageVenv();

const SECRETS: Record<string, string> = {
  QBO_CLIENT_ID: 'double-client-id-7f3a',
  QBO_CLIENT_SECRET: 'double-client-secret-91c2',
  QBO_REALM_ID: '4620816365000000001',
  QBO_REFRESH_TOKEN: 'double-refresh-token-5d8e',
  QBO_ENV: 'sandbox',
  QBO_API_BASE_URL: 'http://127.0.0.1:9/unused',
  QBO_TOKEN_URL: 'http://127.0.0.1:9/unused-token',
  PG_HOST: '127.0.0.1',
  PG_PORT: '5432',
  PG_DATABASE: 'unused',
  PG_USER: 'postgres',
  PG_PASSWORD: 'double-pg-password-0b4d',
};
const PIPELINE = 'qb_invoices_backfill';
const data = tempDataDir('bridge');
const options = (mode: string): MageOptions => ({
  dataDir: data.dir,
  env: { QBO_BLOCKS_DIR: FIXTURE_BLOCKS, QBO_DOUBLE_MODE: mode },
});

function blockOutput(block: string): Record<string, any> {
  const file = join(data.dir, 'mage_project', 'pipelines', PIPELINE, '.variables', block, 'output_0', 'data.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
}

beforeAll(async () => {
  await storeSecrets(SECRETS, { dataDir: data.dir });
});
afterAll(() => data.remove());

describe('a successful run', () => {
  let output = '';
  let code = -1;
  beforeAll(async () => {
    const result = await runPipeline(PIPELINE, { fecha_inicio: '2024-03-01T00:00:00Z', chunk_days: 3 }, options('ok'));
    output = result.stdout + result.stderr;
    code = result.code;
  });

  test('runs loader, exporter and validator, each block getting the previous block output as upstream', () => {
    expect(code).toBe(0);
    const validator = blockOutput('qb_invoices_validator');
    expect(validator.role).toBe('validator');
    expect(validator.upstream.role).toBe('exporter');
    expect(validator.upstream.upstream.role).toBe('loader');
    expect(validator.upstream.upstream.upstream).toBeNull();
  });

  test('passes the run variables over the pipeline defaults, the entity, and every secret by name', () => {
    const loader = blockOutput('qb_invoices_loader');
    expect(loader.vars).toEqual({
      entity: 'invoices',
      fecha_inicio: '2024-03-01T00:00:00Z',
      fecha_fin: '2026-12-01T00:00:00Z', // the pipeline's default
      chunk_days: 3,
      page_size: 1000,
      date_field: 'last_updated',
      resume: true,
      force: false,
      origin_ref: 'mage run (headless)',
    });
    expect(loader.secret_names).toEqual(Object.keys(SECRETS).sort());
  });

  test('logs each event as one line, chunk metrics included as tags', () => {
    expect(output).toMatch(/^INFO \[extract\] invoices chunk 1\/1 done: 1,500 rows, 2 pages, 1,400 inserted, 100 updated, 3 API calls \[2024-01-01, 2024-01-08\) \{/m);
    expect(output).toMatch(/"rows_inserted":1400/);
    expect(output).toMatch(/"window_start_utc":"2024-01-01T00:00:00.000Z"/);
    expect(output).toContain('[stdout] a line that is not JSON');
  });

  test('stores each rotated refresh token in Mage Secrets, acknowledges it, and never logs it', async () => {
    expect(await readSecret('QBO_REFRESH_TOKEN', { dataDir: data.dir })).toBe(`${SECRETS.QBO_REFRESH_TOKEN}-r2`);
    expect(output.match(/Refresh token rotated by Intuit; stored in Mage Secrets/g)).toHaveLength(2);
    expect(output).not.toContain(SECRETS.QBO_REFRESH_TOKEN);
  });

  test('writes no secret value into Mage\'s logs or block outputs', () => {
    const written = filesUnder(data.dir, ['.logs', '.variables']);
    expect(written.length).toBeGreaterThan(0);
    const { QBO_CLIENT_ID, QBO_CLIENT_SECRET, QBO_REFRESH_TOKEN, PG_PASSWORD } = SECRETS;
    const values = { QBO_CLIENT_ID, QBO_CLIENT_SECRET, QBO_REFRESH_TOKEN, PG_PASSWORD, ROTATED_1: `${QBO_REFRESH_TOKEN}-r1`, ROTATED_2: `${QBO_REFRESH_TOKEN}-r2` };
    expect(leaks(written, values)).toEqual([]);
    expect(output).not.toContain(SECRETS.QBO_CLIENT_SECRET);
  });
});

test('a block that exits non-zero fails the run with its own error message', async () => {
  const result = await runPipeline(PIPELINE, { fecha_inicio: 'yesterday' }, options('config-error'));
  expect(result.code).not.toBe(0);
  expect(result.stdout).toContain('ERROR [config] CONFIG_INVALID_VARIABLE: Invalid variable: fecha_inicio must be ISO-8601 (got "yesterday").');
  expect(result.stdout).toContain('ERROR loader for invoices failed (config error CONFIG_INVALID_VARIABLE, exit code 2): Invalid variable');
  expect(result.stdout).not.toContain('Starting exporter');
});

test('a crashing block fails with its stderr, secret values redacted', async () => {
  const result = await runPipeline(PIPELINE, {}, options('crash'));
  expect(result.code).not.toBe(0);
  expect(result.stdout).toContain('[stderr] double loader crashed; client secret was [REDACTED]');
  expect(result.stdout).toContain('ERROR loader for invoices failed (exit code 1, no result): double loader crashed; client secret was [REDACTED]');
  expect(result.stdout + result.stderr).not.toContain(SECRETS.QBO_CLIENT_SECRET);
});

/** Running, and not a zombie (an orphan may linger unreaped under a PID 1 that does not reap). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('the block process ends when Mage\'s worker is killed, as a block timeout does', async () => {
  const pidFile = join(data.dir, 'double.pid');
  const env = mageEnv({ dataDir: data.dir, env: { ...options('hang').env, QBO_DOUBLE_PID_FILE: pidFile } });
  const mage = spawn(MAGE_SH, ['run', PIPELINE], { cwd: PROJECT_ROOT, env, stdio: 'ignore' });
  const exited = new Promise((resolve) => mage.once('exit', resolve));
  const blockPid = await pollUntil('the block process to start', async () =>
    existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined, 60_000);
  expect(running(blockPid)).toBe(true);
  mage.kill('SIGKILL'); // scripts/mage.sh execs mage: this is the Python process running the bridge
  await exited;
  await pollUntil('the orphaned block process to exit', async () => (running(blockPid) ? undefined : true), 10_000, 200);
});

test('a missing secret fails the block naming it, before the entry point starts', async () => {
  // The last test of the file: the data dir is thrown away afterwards.
  await deleteSecrets(['QBO_REALM_ID', 'PG_HOST'], { dataDir: data.dir });
  const result = await runPipeline(PIPELINE, {}, options('ok'));
  expect(result.code).not.toBe(0);
  expect(result.stdout).toContain('Missing Mage Secrets QBO_REALM_ID, PG_HOST.');
  expect(result.stdout).not.toContain('Starting loader');
});
