/** The extract side against the local sandbox: complete, exact, inactive included, stable under live updates. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearRegisteredSecrets } from '../../src/core/sanitize';
import type { Entity } from '../../src/core/types';
import { parseVariables } from '../../src/config/variables';
import { extractRun } from '../../src/extract/run';
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { MemoryLedger } from './memory-ledger';
import { groundTruthById, readManifestSpools, sandboxStack, sharedRealm } from './sandbox-helpers';

const QBO_NAME = { invoices: 'Invoice', customers: 'Customer', items: 'Item' } as const;
const realm = sharedRealm();
let sandbox: SandboxHandle;
let spoolDir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 7, customers: 80, items: 30, invoices: 600, now: realm.clock.now });
});
afterAll(() => sandbox.close());
beforeEach(() => {
  spoolDir = mkdtempSync(join(tmpdir(), 'qbo-sbx-'));
});
afterEach(() => {
  rmSync(spoolDir, { recursive: true, force: true });
  clearRegisteredSecrets();
});

async function backfill(entity: Entity, extra: Record<string, unknown> = {}, stack = sandboxStack(sandbox, realm)) {
  const vars = parseVariables({ fecha_inicio: '2020-01-01', fecha_fin: '2031-01-01', chunk_days: 120, page_size: 25, ...extra }, entity);
  const manifest = await extractRun(
    { ledger: new MemoryLedger(), client: stack.client, auth: stack.auth, spoolDir, concurrency: 8, breakerThreshold: 3, origin: 'cli', clock: stack.clock, emit: (e) => stack.events.push(e) },
    vars,
  );
  return { manifest, stack };
}

describe('extraction against the sandbox', () => {
  it.each(['invoices', 'customers', 'items'] as const)('spools exactly the ground truth of %s, inactive included', async (entity) => {
    const { manifest } = await backfill(entity);
    const spooled = await readManifestSpools(manifest);
    const truth = groundTruthById(sandbox, QBO_NAME[entity]);
    expect(spooled.duplicatesWithinChunk).toEqual([]);
    expect(spooled.rows).toBe(truth.size);
    expect([...spooled.byId.keys()].sort()).toEqual([...truth.keys()].sort());
    for (const [id, record] of truth) expect(spooled.byId.get(id)).toEqual(record);
    if (entity !== 'invoices') expect([...truth.values()].some((r) => r.Active === false)).toBe(true);
    const counted = manifest.chunks.reduce((sum, c) => sum + (c.source_count ?? 0), 0);
    expect(counted).toBe(truth.size);
  });

  it('spools invoices by TxnDate too', async () => {
    const { manifest } = await backfill('invoices', { date_field: 'txn_date', chunk_days: 200 });
    const spooled = await readManifestSpools(manifest);
    expect([...spooled.byId.keys()].sort()).toEqual([...groundTruthById(sandbox, 'Invoice').keys()].sort());
  });

  it('loses and duplicates nothing while records change during the run, and ends with the latest versions', async () => {
    const stack = sandboxStack(sandbox, realm);
    const postQuery = stack.client.postQuery.bind(stack.client);
    let calls = 0;
    const changed = new Set<string>();
    // Records change before every third page read: the last page of the run (the live window's) sees them all.
    stack.client.postQuery = async (statement, options) => {
      if (statement.startsWith('SELECT *')) calls += 1;
      if (statement.startsWith('SELECT *') && calls % 3 === 0) {
        for (let k = 0; k < 4; k += 1) changed.add(sandbox.mutate({ entity: 'Invoice', op: 'update' }).id);
      }
      return postQuery(statement, options);
    };
    const { manifest } = await backfill('invoices', { chunk_days: 60 }, stack);
    const spooled = await readManifestSpools(manifest);
    const truth = groundTruthById(sandbox, 'Invoice');
    expect(changed.size).toBeGreaterThan(20);
    expect(spooled.duplicatesWithinChunk).toEqual([]);
    expect([...spooled.byId.keys()].sort()).toEqual([...truth.keys()].sort());
    for (const [id, record] of truth) expect(spooled.byId.get(id)).toEqual(record);
  });

  it('never draws a 400 or a 429 from the sandbox when no fault is injected', async () => {
    const { manifest } = await backfill('customers', { page_size: 40 });
    const stats = sandbox.stats();
    expect(stats.byStatus['400'] ?? 0).toBe(0);
    expect(stats.throttled).toBe(0);
    expect(manifest.totals.api_calls).toBeGreaterThan(0);
    const spooled = await readManifestSpools(manifest);
    for (const r of spooled.byId.values()) expect(r).toHaveProperty('MetaData.LastUpdatedTime');
  });
});
