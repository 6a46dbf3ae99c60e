/**
 * `mage run` (headless) of the three real pipelines against the local sandbox and PostgreSQL: Mage runs the Python
 * shims, the bridge runs the compiled TypeScript blocks, and the raw tables end up equal to the sandbox's ground
 * truth. Bad input fails the run with a readable message in the block's output.
 */
import { join } from 'node:path';
import type { Client } from 'pg';
import { loadSandboxSecrets, runPipeline, storeSecrets, type MageOptions } from '../../src/demo/mage-cli';
import type { SandboxHandle } from '../../src/sandbox';
import { HISTORY, smallSandbox, tablePayloads, truthPayloads, type TestEntity } from '../cli/helpers';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { needsMageVenv, tempDataDir } from './helpers';

jest.setTimeout(240_000);
needsMageVenv();

const ENTITIES: TestEntity[] = ['invoices', 'customers', 'items'];
const WINDOW = { fecha_inicio: HISTORY.from, fecha_fin: HISTORY.to, chunk_days: 30 };
const work = tempDataDir('run');
const options: MageOptions = {
  dataDir: join(work.dir, 'mage_data'),
  env: { QBO_SPOOL_DIR: join(work.dir, 'spool'), QBO_EVIDENCE_DIR: join(work.dir, 'evidencias') },
};
let sandbox: SandboxHandle;
let db: TestDatabase;
let client: Client;

beforeAll(async () => {
  sandbox = await smallSandbox();
  db = await createTestDatabase('mage_run');
  await db.applyInit();
  client = await db.client();
  await loadSandboxSecrets(sandbox, db.url, options);
});

afterAll(async () => {
  await sandbox?.close();
  await db?.drop();
  work.remove();
});

function failureDetail(stdout: string): string {
  return stdout.split('\n').filter((l) => l.startsWith('ERROR ')).slice(-5).join('\n');
}

test.each(ENTITIES)('mage run qb_%s_backfill loads its raw table equal to the sandbox ground truth', async (entity) => {
  const result = await runPipeline(`qb_${entity}_backfill`, WINDOW, options);
  expect({ code: result.code, errors: failureDetail(result.stdout) }).toEqual({ code: 0, errors: '' });
  expect(result.stdout).toMatch(new RegExp(`\\[load\\] ${entity} chunk 1/\\d+ done: [\\d,]+ rows?, [\\d,]+ inserted, \\d+ updated, \\d+ unchanged`));
  const table = await tablePayloads(client, entity);
  const truth = truthPayloads(sandbox, entity);
  expect(table.size).toBeGreaterThan(0);
  expect([...table.keys()].sort()).toEqual([...truth.keys()].sort());
  for (const [id, payload] of truth) expect(table.get(id)).toBe(payload);
});

test('a bad fecha_inicio fails before any request, with a message naming the variable', async () => {
  const before = sandbox.stats().requests;
  const result = await runPipeline('qb_customers_backfill', { ...WINDOW, fecha_inicio: '2024-02-30' }, options);
  expect(result.code).not.toBe(0);
  expect(result.stdout).toMatch(/^ERROR loader for customers failed \(config error CONFIG_INVALID_VARIABLE, exit code 2\): .*fecha_inicio must be ISO-8601/m);
  expect(sandbox.stats().requests).toBe(before);
});

// Last in the file: it leaves a wrong secret in this throw-away data dir.
test('a wrong client secret fails the loader with a readable authentication message', async () => {
  await storeSecrets({ QBO_CLIENT_SECRET: 'not-the-client-secret' }, options);
  const result = await runPipeline('qb_items_backfill', WINDOW, options);
  expect(result.code).not.toBe(0);
  expect(result.stdout).toMatch(/^ERROR loader for items failed \(auth error [A-Z_]+, exit code 3\): .+/m);
  expect(result.stdout).not.toContain('not-the-client-secret');
});
