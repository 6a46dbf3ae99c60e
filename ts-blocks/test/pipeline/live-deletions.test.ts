/**
 * raw equals the source under live updates that delete invoices: after forced full-range runs of the three entities
 * while the company changes, then one more once it is still, the live rows of each raw table are the sandbox's
 * ground truth exactly (ids and payloads), the marked rows are exactly the deleted invoices, and a further run
 * changes nothing. Sandbox + real PostgreSQL, in-process pipeline.
 */
import { rmSync } from 'node:fs';
import type { Entity } from '../../src/core/events';
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { canonicalJson } from '../helpers/canonical-json';
import { useInitDatabase } from '../helpers/init-database';
import { SANDBOX_ENTITY, tablesText, workDir } from '../cli/helpers';
import { runInProcess } from './in-process';

// Invoices first: those deleted while the name lists load were already stored, so the next run must mark them.
const ENTITIES: readonly Entity[] = ['invoices', 'customers', 'items'];

describe('raw equals the source under live updates with deletes', () => {
  const t = useInitDatabase('live_deletions');
  let sandbox: SandboxHandle;
  let dir: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 21, customers: 30, items: 15, invoices: 300, latencyMs: 2, historyStart: '2024-01-01T00:00:00Z', historyEnd: '2024-07-01T00:00:00Z' });
    dir = workDir('live-deletions');
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // The range reaches past now: a record updated during the run moves into the window holding now, read last.
  const runAll = async () => {
    const runs = [];
    for (const entity of ENTITIES) {
      runs.push((await runInProcess(sandbox, t.db.url, dir, entity, { fecha_inicio: '2024-01-01', fecha_fin: '2030-01-01', chunk_days: 60, force: true })).summary);
    }
    return runs;
  };
  const rows = async (entity: Entity, live: boolean) =>
    new Map((await t.c.query<{ id: string; payload: unknown }>(
      `SELECT id, payload FROM raw.qb_${entity} WHERE (source_deleted_at_utc IS NULL) = $1`, [live])).rows.map((r) => [r.id, canonicalJson(r.payload)]));
  const truth = (entity: Entity) => new Map([...sandbox.groundTruth(SANDBOX_ENTITY[entity])].map((r) => [String(r.Id), canonicalJson(r)]));

  it('live rows equal the ground truth, marked rows are exactly the deleted invoices, and a further run changes nothing', async () => {
    const everInvoices = new Set(truth('invoices').keys());
    sandbox.setFaults({ liveUpdatesPerMin: 6000 });
    await runAll();
    sandbox.setFaults({ liveUpdatesPerMin: 0 });
    expect(sandbox.stats().mutations).toBeGreaterThan(30);
    const last = await runAll();
    expect(last.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    for (const entity of ENTITIES) expect(await rows(entity, true)).toEqual(truth(entity));
    // Every invoice raw holds is either live in QBO (above) or marked; the marked ones are exactly the deleted ones
    // raw had read (an invoice deleted before any run read it was never stored).
    const deleted = new Set([...everInvoices].filter((id) => !truth('invoices').has(id)));
    const marked = [...(await rows('invoices', false)).keys()];
    expect(marked.length).toBeGreaterThan(0);
    expect(marked.filter((id) => !deleted.has(id))).toEqual([]);
    for (const entity of ['customers', 'items'] as const) expect((await rows(entity, false)).size).toBe(0);

    const before = await tablesText(t.c, ENTITIES);
    const again = await runAll();
    for (const r of again) expect(r.load.totals).toMatchObject({ rows_inserted: 0, rows_updated: 0 });
    expect(again.map((r) => r.load.deleted)).toEqual([0, 0, 0]);
    expect(await tablesText(t.c, ENTITIES)).toEqual(before);
  }, 120_000); // nine pipeline runs against a live company
});
