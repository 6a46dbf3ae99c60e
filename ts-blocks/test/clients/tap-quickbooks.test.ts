/**
 * singer-io tap-quickbooks 2.5.0, unchanged, against the sandbox: discover, then sync of customers, items and
 * invoices, which the tap reads through POST /batch. The tap hard-codes its hosts in three module constants, so
 * run_tap_quickbooks.py points them at the sandbox and calls the tap's own main(); nothing else differs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { clientVenv, CLIENTS_DIR, LOOPBACK_HTTP_ENV, pythonTest, type ClientVenv } from './python';
import { singerView, type JsonSchema } from './singer-view';

const pyTest = pythonTest();
const STREAMS = { customers: 'Customer', items: 'Item', invoices: 'Invoice' } as const;
const PAGE = 50;
let qbo: SandboxHandle;
let dir: string;

beforeAll(async () => {
  qbo = await startSandbox({ seed: 31, customers: 120, items: 40, invoices: 300 });
  dir = mkdtempSync(join(tmpdir(), 'qbo-tap-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await qbo.close();
});

function writeConfig(): string {
  const path = join(dir, 'config.json');
  const config = {
    start_date: '2000-01-01T00:00:00Z', user_agent: 'qbo-backfill sandbox test', realm_id: qbo.realmId,
    client_id: qbo.clientId, client_secret: qbo.clientSecret, refresh_token: qbo.refreshToken, max_results: String(PAGE),
  };
  writeFileSync(path, JSON.stringify(config));
  return path;
}

async function tap(args: string[]): Promise<string> {
  const venv = clientVenv() as ClientVenv;
  const r = await venv.run('python', [join(CLIENTS_DIR, 'run_tap_quickbooks.py'), qbo.baseUrl, ...args], undefined, LOOPBACK_HTTP_ENV);
  if (r.code !== 0) throw new Error(`tap-quickbooks ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-10).join('\n')}`);
  return r.stdout;
}

/** The discovered catalog with just our three streams selected. */
function selectStreams(catalog: any): any {
  const streams = catalog.streams.filter((s: any) => s.tap_stream_id in STREAMS);
  for (const s of streams) {
    for (const m of s.metadata) if (m.breadcrumb.length === 0) m.metadata.selected = true;
  }
  return { streams };
}

pyTest('discover checks CompanyInfo, then sync reads all three streams through /batch, exactly the ground truth', async () => {
  const configPath = writeConfig();
  const reads = qbo.stats().byEndpoint.read;
  const catalog = selectStreams(JSON.parse(await tap(['--config', configPath, '--discover'])));
  expect(qbo.stats().byEndpoint.read - reads).toBe(1);
  expect(catalog.streams.map((s: any) => s.tap_stream_id).sort()).toEqual(['customers', 'invoices', 'items']);
  const catalogPath = join(dir, 'catalog.json');
  writeFileSync(catalogPath, JSON.stringify(catalog));

  const before = qbo.stats();
  const messages = (await tap(['--config', configPath, '--catalog', catalogPath])).trim().split('\n').map((l) => JSON.parse(l));
  const after = qbo.stats();
  // one batch per round of pages (50 rows each) until every stream's page comes back empty
  const rounds = Math.max(...Object.values(STREAMS).map((e) => Math.floor([...qbo.groundTruth(e)].length / PAGE) + 1));
  expect(after.byEndpoint.batch - before.byEndpoint.batch).toBe(rounds);
  expect(after.byEndpoint.query - before.byEndpoint.query).toBe(0);

  for (const [stream, entity] of Object.entries(STREAMS)) {
    const schema: JsonSchema = catalog.streams.find((s: any) => s.tap_stream_id === stream).schema;
    const records = messages.filter((m) => m.type === 'RECORD' && m.stream === stream).map((m) => m.record);
    const truth = [...qbo.groundTruth(entity)] as any[];
    expect({ stream, ids: records.map((r) => r.Id).sort() }).toEqual({ stream, ids: truth.map((r) => r.Id).sort() });
    const byId = new Map(records.map((r) => [r.Id, r]));
    for (const t of truth) expect(byId.get(t.Id)).toEqual(singerView(t, schema));
  }
  const state = messages.filter((m) => m.type === 'STATE').pop().value;
  expect(Object.keys(state.bookmarks).sort()).toEqual(['customers', 'invoices', 'items']);
  expect(JSON.parse(readFileSync(configPath, 'utf8')).refresh_token).not.toBe(qbo.refreshToken);
}, 300_000);
