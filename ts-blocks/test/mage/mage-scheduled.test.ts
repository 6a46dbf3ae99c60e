/**
 * The scheduled path, as users meet it: `mage start` (web server + scheduler) on a free port with a throw-away data
 * dir, the sandbox's values in Mage Secrets, one-time triggers armed through Mage's REST API. One Mage serves the
 * whole file (it is slow to start). It serves a scratch copy of mage_project (copyProject), so the triggers.yaml
 * files Mage and the write-back change are the copy's, never the working tree's (which others may run Mage on).
 * The sandbox keeps no grace for superseded refresh tokens, so a run only succeeds with the latest rotated token.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { load as parseYaml } from 'js-yaml';
import type { Client } from 'pg';
import { enableSchedule, getSchedule, mageUtc, runOnce, runsOf, waitForFinishedRun, waitForSchedule, type PipelineSchedule } from '../../src/demo/mage-api';
import { copyProject, loadSandboxSecrets, mage as mageCli, PROJECT_ROOT, storeSecrets } from '../../src/demo/mage-cli';
import { pollUntil } from '../../src/demo/mage-client';
import { MageServer, type MageServerOptions } from '../../src/demo/mage-server';
import type { SandboxHandle } from '../../src/sandbox';
import { HISTORY, smallSandbox, tablePayloads, tableText, truthPayloads } from '../cli/helpers';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { plant } from '../helpers/plant';
import { tokenRequest } from '../sandbox/client';
import { allFiles, filesUnder, leaks, needsMageVenv, readSecret, tempDataDir } from './helpers';

jest.setTimeout(300_000);
needsMageVenv();

const WINDOW = { fecha_inicio: HISTORY.from, fecha_fin: HISTORY.to, chunk_days: 30 };
const RUN_TIMEOUT_MS = 180_000;
const work = tempDataDir('scheduled');
const dataDir = join(work.dir, 'mage_data');
const project = copyProject(work.dir);
const triggersFile = (pipeline: string) => join(project, 'pipelines', pipeline, 'triggers.yaml');
const serverOptions: MageServerOptions = {
  dataDir,
  env: {
    QBO_MAGE_PROJECT: project,
    QBO_BACKFILL_HOME: PROJECT_ROOT,
    SCHEDULER_TRIGGER_INTERVAL: '2',
    QBO_SPOOL_DIR: join(work.dir, 'spool'),
    QBO_EVIDENCE_DIR: join(work.dir, 'evidencias'),
  },
};
let sandbox: SandboxHandle;
let db: TestDatabase;
let client: Client;
let mage: MageServer;

function yamlStatus(pipeline: string, name: string): string | undefined {
  const doc = parseYaml(readFileSync(triggersFile(pipeline), 'utf8')) as { triggers?: Array<{ name: string; status: string }> };
  return doc.triggers?.find((t) => t.name === name)?.status;
}

/** The log file Mage wrote for one block of one pipeline run. */
function blockLog(pipeline: string, scheduleId: number, runId: number, block: string): string {
  const logs = filesUnder(join(dataDir, 'mage_project', 'pipelines', pipeline), ['.logs']);
  const mine = logs.filter((f) => f.includes(`/.logs/${scheduleId}/`) && f.endsWith(`/${block}.log`));
  const text = mine.map((f) => readFileSync(f, 'utf8')).find((t) => t.includes(`"pipeline_run_id": ${runId},`));
  if (text === undefined) throw new Error(`no log of block ${block} for run ${runId} (have: ${mine.join(', ')})`);
  return text;
}

async function armTrigger(pipeline: string, name: string, variables: Record<string, unknown>): Promise<PipelineSchedule> {
  const schedule = await waitForSchedule(mage, pipeline, name);
  expect(schedule.status).toBe('inactive'); // as shipped
  return enableSchedule(mage, schedule.id, { start_time: mageUtc(new Date(Date.now() - 60_000)), variables });
}

beforeAll(async () => {
  sandbox = await smallSandbox({ refreshGraceSec: 0 });
  db = await createTestDatabase('mage_scheduled');
  await db.applyInit();
  client = await db.client();
  await loadSandboxSecrets(sandbox, db.url, serverOptions);
  mage = await MageServer.start(serverOptions);
});

afterAll(async () => {
  await mage?.stop();
  await sandbox?.close();
  await db?.drop();
  work.remove();
});

/** Resolves 'open' when something accepts a TCP connection at host:port, else the error code (ECONNREFUSED...). */
function probe(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3000 });
    socket.once('connect', () => { socket.destroy(); resolve('open'); });
    socket.once('timeout', () => { socket.destroy(); resolve('ETIMEDOUT'); });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

/** Local addresses of the sockets listening on `port`, from /proc/net/tcp and tcp6 (hex, as the kernel lists them). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].filter(existsSync).flatMap((file) =>
    readFileSync(file, 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A').map((f) => f[1]!.split(':')[0]!));
}

describe('the Mage server', () => {
  test('listens on 127.0.0.1 only', () => {
    expect(listeningAddresses(Number(new URL(mage.baseUrl).port))).toEqual(['0100007F']);
  });

  test('does not answer on the machine\'s other addresses', async () => {
    const port = Number(new URL(mage.baseUrl).port);
    const others = Object.values(networkInterfaces()).flat().filter((a) => a && !a.internal && a.family === 'IPv4').map((a) => a!.address);
    expect(await probe('127.0.0.1', port)).toBe('open');
    for (const address of others) expect(`${address}: ${await probe(address, port)}`).toBe(`${address}: ECONNREFUSED`);
  });
});

describe('a one-time trigger armed through the API', () => {
  let schedule: PipelineSchedule;
  let firstRunId = 0;

  beforeAll(async () => {
    schedule = await armTrigger('qb_invoices_backfill', 'invoices_backfill_once', WINDOW);
    expect(yamlStatus('qb_invoices_backfill', 'invoices_backfill_once')).toBe('active'); // Mage saved it to code
  });

  test('runs the pipeline through the scheduler to completion, loading the ground truth', async () => {
    const run = await waitForFinishedRun(mage, schedule.id, 1, RUN_TIMEOUT_MS);
    firstRunId = run.id;
    expect(run.status).toBe('completed');
    const truth = truthPayloads(sandbox, 'invoices');
    expect(await tablePayloads(client, 'invoices')).toEqual(truth);
  });

  test('leaves per-chunk metrics in the block logs', () => {
    const loader = blockLog('qb_invoices_backfill', schedule.id, firstRunId, 'qb_invoices_loader');
    const exporter = blockLog('qb_invoices_backfill', schedule.id, firstRunId, 'qb_invoices_exporter');
    expect(loader).toMatch(/"message": "\[extract\] invoices chunk 1\/\d+ done: [\d,]+ rows?, [\d,]+ pages?[,;][^"]* \[2024-01-01, [^)]+\)"/);
    expect(loader).toMatch(/"rows_read": \d+, .*"pages_read": \d+|"pages_read": \d+, .*"rows_read": \d+/);
    expect(exporter).toMatch(/"rows_inserted": [1-9]\d*/);
  });

  test('ends inactive in Mage\'s database and in triggers.yaml', async () => {
    expect((await getSchedule(mage, schedule.id)).status).toBe('inactive');
    expect(yamlStatus('qb_invoices_backfill', 'invoices_backfill_once')).toBe('inactive');
  });

  test('leaves the rotated refresh token in Mage Secrets', async () => {
    expect(sandbox.stats().tokenRefreshes).toBeGreaterThan(0);
    const stored = await readSecret('QBO_REFRESH_TOKEN', serverOptions);
    expect(stored).toBeTruthy();
    expect(stored).not.toBe(sandbox.refreshToken);
  });

  test('the trigger page\'s Run@once re-runs the finished trigger with the trigger\'s variables', async () => {
    const trigger = await getSchedule(mage, schedule.id);
    const run = await runOnce(mage, trigger); // what the button sends
    expect(run.variables).toMatchObject(WINDOW);
    const finished = await waitForFinishedRun(mage, schedule.id, 2, RUN_TIMEOUT_MS);
    expect(finished).toMatchObject({ id: run.id, status: 'completed' });
    expect((await getSchedule(mage, schedule.id)).status).toBe('inactive');
    expect(yamlStatus('qb_invoices_backfill', 'invoices_backfill_once')).toBe('inactive');
  });

  test('`scripts/mage.sh rerun` re-runs it in one step: nothing inserted or updated, with the stored rotated token', async () => {
    const before = await tableText(client, 'invoices');
    const result = await mageCli(['rerun', 'qb_invoices_backfill', '--pickup-timeout', '60'], serverOptions);
    expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr.slice(-800) }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Pipeline run \d+ of trigger invoices_backfill_once \(qb_invoices_backfill\) created/m);
    expect(result.stdout).toMatch(/^ {2}qb_invoices_validator: completed$/m);
    const run = await waitForFinishedRun(mage, schedule.id, 3, RUN_TIMEOUT_MS);
    expect(result.stdout).toMatch(new RegExp(`^Pipeline run ${run.id} completed\\.$`, 'm'));
    const exporter = blockLog('qb_invoices_backfill', schedule.id, run.id, 'qb_invoices_exporter');
    expect(exporter).not.toMatch(/"rows_inserted": [1-9]/);
    expect(exporter).not.toMatch(/"rows_updated": [1-9]/);
    expect(exporter).toMatch(/"rows_unchanged": [1-9]\d*/); // the window was read and loaded again
    expect(await tableText(client, 'invoices')).toEqual(before);
    expect((await getSchedule(mage, schedule.id)).status).toBe('inactive');
    expect(yamlStatus('qb_invoices_backfill', 'invoices_backfill_once')).toBe('inactive');
  });

  test('keeps Mage\'s database, secrets key, logs and the spool private to the user (0600 files, 0700 directories)', () => {
    const open = (dir: string) => allFiles(dir).filter((f) => (statSync(f).mode & 0o077) !== 0);
    expect(allFiles(dataDir).some((f) => f.endsWith('/mage-ai.db'))).toBe(true);
    expect(allFiles(dataDir).some((f) => f.includes('/secrets/'))).toBe(true);
    expect(open(dataDir)).toEqual([]);
    expect(allFiles(join(work.dir, 'spool')).length).toBeGreaterThan(0);
    expect(open(join(work.dir, 'spool'))).toEqual([]);
  });

  test('a later run marks the invoice QBO deleted and loads records jsonb cannot hold; the logs carry the deleted figure', async () => {
    // Plant through the QBO write API with a token refreshed from the one Mage holds, then give Mage the rotated one.
    const refreshed = await tokenRequest(sandbox, (await readSecret('QBO_REFRESH_TOKEN', serverOptions)) ?? '');
    expect(refreshed.status).toBe(200);
    const { access_token: token, refresh_token: rotated } = refreshed.json() as { access_token: string; refresh_token: string };
    await storeSecrets({ QBO_REFRESH_TOKEN: rotated }, serverOptions);
    const customer = [...sandbox.groundTruth('Customer')].find((c) => c.Active === true)!;
    const item = [...sandbox.groundTruth('Item')].find((i) => i.Active === true && i.Type !== 'Category')!;
    const line = [{ Amount: 5, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: item.Id }, Qty: 1, UnitPrice: 5 } }];
    const odd = await plant(sandbox, token, 'Invoice', { CustomerRef: { value: customer.Id }, Line: line, PrivateNote: 'NUL\u0000 and \ud800' },
      { at: '2024-03-03T10:00:00-08:00' });
    const [gone] = [...sandbox.groundTruth('Invoice')].filter((r) => r.Id !== odd.Id);
    sandbox.mutate({ entity: 'Invoice', op: 'delete', id: String(gone!.Id) });

    await runOnce(mage, await getSchedule(mage, schedule.id));
    const run = await waitForFinishedRun(mage, schedule.id, 4, RUN_TIMEOUT_MS);
    expect(run.status).toBe('completed');
    const { rows } = await client.query<{ id: string; deleted: boolean; repaired: boolean }>(
      `SELECT id, source_deleted_at_utc IS NOT NULL AS deleted, payload_repaired AS repaired FROM raw.qb_invoices
        WHERE source_deleted_at_utc IS NOT NULL OR payload_repaired ORDER BY id`);
    expect(rows).toEqual([{ id: String(gone!.Id), deleted: true, repaired: false }, { id: String(odd.Id), deleted: false, repaired: true }]
      .sort((a, b) => a.id.localeCompare(b.id)));
    const live = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM raw.qb_invoices WHERE source_deleted_at_utc IS NULL');
    expect(live.rows[0]!.n).toBe(sandbox.recordCount('Invoice'));
    const exporter = blockLog('qb_invoices_backfill', schedule.id, run.id, 'qb_invoices_exporter');
    expect(exporter).toMatch(/1 invoices marked deleted in raw/);
    const validator = blockLog('qb_invoices_backfill', schedule.id, run.id, 'qb_invoices_validator');
    expect(validator).toContain(`invoices Id ${odd.Id} (PrivateNote)`);
  });

  test('writes no secret value into any file under Mage\'s log or variable directories', async () => {
    const files = filesUnder(dataDir, ['.logs', '.variables']);
    expect(files.length).toBeGreaterThan(0);
    const values: Record<string, string> = {
      QBO_CLIENT_ID: sandbox.clientId,
      QBO_CLIENT_SECRET: sandbox.clientSecret,
      QBO_REFRESH_TOKEN_INITIAL: sandbox.refreshToken,
      QBO_REFRESH_TOKEN_STORED: (await readSecret('QBO_REFRESH_TOKEN', serverOptions)) ?? '',
    };
    const password = new URL(db.url).password;
    if (password) values.PG_PASSWORD = decodeURIComponent(password);
    expect(leaks(files, values)).toEqual([]);
  });
});

describe('failing runs', () => {
  let badDate: PipelineSchedule;
  let wrongSecret: PipelineSchedule;

  beforeAll(async () => {
    // Both run at once (Mage's retry back-off makes each take ~30 s); the bad date fails before reading QBO.
    // The wrong secret stays: no pipeline runs after these (the restart test only checks triggers).
    await storeSecrets({ QBO_CLIENT_SECRET: 'not-the-client-secret' }, serverOptions);
    badDate = await armTrigger('qb_customers_backfill', 'customers_backfill_once', { ...WINDOW, fecha_inicio: '2024-02-30' });
    wrongSecret = await armTrigger('qb_items_backfill', 'items_backfill_once', WINDOW);
    await Promise.all([
      waitForFinishedRun(mage, badDate.id, 1, RUN_TIMEOUT_MS),
      waitForFinishedRun(mage, wrongSecret.id, 1, RUN_TIMEOUT_MS),
    ]);
  });

  test('a bad fecha_inicio fails the run with a readable message in the block log, and is not retried', async () => {
    const [run] = await runsOf(mage, badDate.id);
    expect(run?.status).toBe('failed');
    const log = blockLog('qb_customers_backfill', badDate.id, run!.id, 'qb_customers_loader');
    expect(log).toMatch(/"message": "loader for customers failed \(config error CONFIG_INVALID_VARIABLE, exit code 2\): Invalid variable: fecha_inicio must be ISO-8601/);
    expect(log).toContain('Not retried (a retry cannot fix it)');
    expect(log.match(/"message": "Starting loader/g)).toHaveLength(1);
  });

  test('a wrong secret fails the run with a readable authentication message in the block log', async () => {
    const [run] = await runsOf(mage, wrongSecret.id);
    expect(run?.status).toBe('failed');
    const log = blockLog('qb_items_backfill', wrongSecret.id, run!.id, 'qb_items_loader');
    expect(log).toMatch(/"message": "loader for items failed \(auth error [A-Z_]+, exit code 3\): [^"]+/);
    expect(log).not.toContain('not-the-client-secret');
  });
});

test('a restarted Mage does not re-arm a one-time trigger that has run', async () => {
  const schedule = await waitForSchedule(mage, 'qb_invoices_backfill', 'invoices_backfill_once');
  const runsBefore = (await runsOf(mage, schedule.id)).length;
  await mage.stop();
  mage = await MageServer.start(serverOptions);
  // Two scheduler ticks after the restart: triggers.yaml has been synced into the database at least once.
  const mark = mage.mark();
  await pollUntil('two scheduler ticks', async () => {
    const ticks = mage.outputSince(mark).filter((l) => l.includes('Active pipeline runs:')).length;
    return ticks >= 2 ? true : undefined;
  }, 60_000);
  expect((await getSchedule(mage, schedule.id)).status).toBe('inactive');
  expect(yamlStatus('qb_invoices_backfill', 'invoices_backfill_once')).toBe('inactive');
  expect((await runsOf(mage, schedule.id)).length).toBe(runsBefore);
  expect(existsSync(triggersFile('qb_invoices_backfill'))).toBe(true);
});
