/**
 * Records whose JSON jsonb cannot hold, planted through the sandbox's QBO write API in customers, items and invoices:
 * every record of the entity loads, the flagged ones are reported (entity, Id, field), a re-run reports them
 * unchanged. Sandbox + real PostgreSQL, through the in-process pipeline.
 */
import { rmSync } from 'node:fs';
import type { Entity } from '../../src/core/events';
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { canonicalJson } from '../helpers/canonical-json';
import { useInitDatabase } from '../helpers/init-database';
import { plant } from '../helpers/plant';
import { accessToken } from '../sandbox/client';
import { SANDBOX_ENTITY, workDir } from '../cli/helpers';
import { runInProcess } from './in-process';

const TEXTS = { nul: 'NUL\u0000inside', surrogate: 'lone \ud800 half', literal: 'literal \\u0000 text' } as const;
type Kind = keyof typeof TEXTS;

describe('records jsonb cannot hold load with the rest of their entity', () => {
  const t = useInitDatabase('unstorable_pipeline');
  let sandbox: SandboxHandle;
  let dir: string;
  const planted: Record<Entity, Record<Kind, string>> = { customers: {} as Record<Kind, string>, items: {} as Record<Kind, string>, invoices: {} as Record<Kind, string> };
  const field: Record<Entity, string> = { customers: 'Notes', items: 'Description', invoices: 'PrivateNote' };

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 5, customers: 20, items: 10, invoices: 60, latencyMs: 0, historyStart: '2024-01-01T00:00:00Z', historyEnd: '2024-07-01T00:00:00Z' });
    dir = workDir('unstorable');
    const token = await accessToken(sandbox);
    const customer = [...sandbox.groundTruth('Customer')].find((c) => c.Active === true)!;
    const item = [...sandbox.groundTruth('Item')].find((i) => i.Active === true && i.Type !== 'Category')!;
    for (const [k, [kind, text]] of Object.entries(TEXTS).entries()) {
      const at = `2024-03-1${k}T02:30:00-08:00`;
      planted.customers[kind as Kind] = (await plant(sandbox, token, 'Customer', { DisplayName: `Odd ${kind}`, Notes: text }, { at })).Id;
      planted.items[kind as Kind] = (await plant(sandbox, token, 'Item', { Name: `Odd item ${kind}`, Type: 'Service', Description: text }, { at })).Id;
      const line = [{ Amount: 10, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: item.Id }, Qty: 1, UnitPrice: 10 } }];
      planted.invoices[kind as Kind] = (await plant(sandbox, token, 'Invoice', { CustomerRef: { value: customer.Id }, Line: line, PrivateNote: text }, { at })).Id;
    }
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (entity: Entity) => runInProcess(sandbox, t.db.url, dir, entity, { fecha_inicio: '2024-01-01', fecha_fin: '2030-01-01', chunk_days: 30, force: true });
  const warning = (r: Awaited<ReturnType<typeof run>>) =>
    r.events.find((e) => e.type === 'validation' && e.check === 'unstorable_records') as unknown as { severity: string; message: string; details: { records: Array<{ entity: string; id: string; fields: string[] }> } };

  it.each(['customers', 'items', 'invoices'] as const)('%s: every record loads, the unstorable ones flagged, named and kept exactly; a re-run is unchanged', async (entity) => {
    const first = await run(entity);
    expect(first.summary.status).toBe('succeeded');
    const truth = new Map([...sandbox.groundTruth(SANDBOX_ENTITY[entity])].map((r) => [String(r.Id), r]));
    const { rows } = await t.c.query<{ id: string; payload: Record<string, unknown>; repaired: boolean }>(
      `SELECT id, payload, payload_repaired AS repaired FROM raw.qb_${entity} WHERE source_deleted_at_utc IS NULL`,
    );
    expect(rows.map((r) => r.id).sort()).toEqual([...truth.keys()].sort());
    const bad = [planted[entity].nul, planted[entity].surrogate].sort();
    expect(rows.filter((r) => r.repaired).map((r) => r.id).sort()).toEqual(bad);
    for (const r of rows) {
      const expected = truth.get(r.id)!;
      if (!r.repaired) expect(canonicalJson(r.payload)).toBe(canonicalJson(expected));
      else expect(r.payload[field[entity]]).toBe((expected[field[entity]] as string).replace(/\u0000|[\ud800-\udfff]/g, '\ufffd'));
    }
    expect(rows.find((r) => r.id === planted[entity].literal)!.payload[field[entity]]).toBe(TEXTS.literal);

    const w = warning(first);
    expect(w.severity).toBe('warning');
    expect(w.details.records.map((r) => [r.entity, r.id, r.fields])).toEqual(bad.map((id) => [entity, id, [field[entity]]]));
    const kept = await t.c.query<{ id: string; original: Buffer }>(
      'SELECT id, original FROM ops.unstorable_payloads WHERE run_id = $1 ORDER BY id', [first.summary.run_id]);
    for (const k of kept.rows) expect((JSON.parse(k.original.toString('utf8')) as Record<string, unknown>)[field[entity]]).toBe(truth.get(k.id)![field[entity]]);

    const second = await run(entity);
    expect(second.summary.load.totals).toMatchObject({ rows_inserted: 0, rows_updated: 0 });
    expect(warning(second).details.records).toEqual(w.details.records);
  });
});
