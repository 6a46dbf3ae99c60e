import { rmSync } from 'node:fs';
import type { Client } from 'pg';
import type { MutationResult, SandboxHandle } from '../../src/sandbox';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { cli, cliEnv, lastEvent, smallSandbox, tablePayloads, truthPayloads, workDir, type TestEntity } from './helpers';

const ENTITIES: TestEntity[] = ['customers', 'items', 'invoices'];
// The range reaches past now: records updated during the run move into the window that holds "now".
const ARGS = ['run', '--entity', 'all', '--from', '2024-01-01', '--to', '2030-01-01', '--chunk-days', '120', '--json'];

describe('qbo-backfill run while the company changes under it', () => {
  let db: TestDatabase;
  let sandbox: SandboxHandle;
  let client: Client;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('clilive');
    await db.applyInit();
    sandbox = await smallSandbox({ latencyMs: 5 });
    client = await db.client();
    dir = workDir('live');
  });
  afterAll(async () => {
    await sandbox.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses and duplicates nothing; versions changed mid-run are caught up by the next run', async () => {
    // Each time a window finishes, a record is edited (or a customer deactivated) in QBO: it moves out of the
    // window it was in, into the window holding now.
    const changed = new Map<string, MutationResult>();
    const first = await cli(ARGS, cliEnv(sandbox, db.url, dir), dir, (line) => {
      if (!line.includes('"phase":"extract"') || !line.includes('"status":"done"')) return;
      const entity = line.includes('"entity":"customers"') ? 'Customer' : line.includes('"entity":"items"') ? 'Item' : 'Invoice';
      const m = sandbox.mutate({ entity, op: entity === 'Customer' && changed.size % 2 === 0 ? 'deactivate' : 'update' });
      changed.set(`${entity}:${m.id}`, m);
    });
    expect(first.code).toBe(0);
    expect(lastEvent(first)).toMatchObject({ type: 'result' });
    expect(changed.size).toBeGreaterThan(10);

    const isChanged = (entity: TestEntity, id: string) =>
      changed.has(`${{ customers: 'Customer', items: 'Item', invoices: 'Invoice' }[entity]}:${id}`);
    for (const entity of ENTITIES) {
      const table = await tablePayloads(client, entity);
      const truth = truthPayloads(sandbox, entity);
      expect([...table.keys()].sort()).toEqual([...truth.keys()].sort());
      for (const [id, payload] of truth) if (!isChanged(entity, id)) expect(table.get(id)).toBe(payload);
    }

    const second = await cli(ARGS, cliEnv(sandbox, db.url, dir), dir);
    expect(second.code).toBe(0);
    for (const entity of ENTITIES) expect(await tablePayloads(client, entity)).toEqual(truthPayloads(sandbox, entity));
    const runs = (lastEvent(second) as { summary: { runs: Array<{ load: { totals: { rows_inserted: number; rows_updated: number } } }> } }).summary.runs;
    expect(runs.reduce((n, r) => n + r.load.totals.rows_inserted, 0)).toBe(0);
  });
});
