import { rmSync } from 'node:fs';
import type { Client } from 'pg';
import type { SandboxHandle } from '../../src/sandbox';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import type { NodeRun } from '../pipeline/run-node';
import { cli, cliEnv, HISTORY, lastEvent, smallSandbox, tablePayloads, truthPayloads, workDir, type TestEntity } from './helpers';

const ENTITIES: TestEntity[] = ['customers', 'items', 'invoices'];
const ARGS = ['run', '--entity', 'all', '--from', HISTORY.from, '--to', HISTORY.to, '--chunk-days', '10', '--json'];

type Chunk = { type: string; phase: string; entity: string; chunk_index: number; status: string; run_id: string };

function chunkEvents(runs: readonly NodeRun[], phase: 'extract' | 'load', status: string): string[] {
  return runs
    .flatMap((r) => r.events as unknown as Chunk[])
    .filter((e) => e.type === 'chunk' && e.phase === phase && e.status === status)
    .map((e) => `${e.entity}#${e.chunk_index}@${e.run_id}`);
}

describe('qbo-backfill run killed mid-run, then resumed', () => {
  let db: TestDatabase;
  let sandbox: SandboxHandle;
  let client: Client;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    db = await createTestDatabase('cliresume');
    await db.applyInit();
    // A little latency so the kills land while chunks are in flight.
    sandbox = await smallSandbox({ latencyMs: 15 });
    client = await db.client();
    dir = workDir('resume');
    env = cliEnv(sandbox, db.url, dir);
  });
  afterAll(async () => {
    await sandbox.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  // A run that finished (customers and items before the second kill) is not resumed: re-running it starts a new
  // run, which re-reads every window and changes nothing. Within every run, no chunk is extracted or loaded twice.
  it('ends equal to the ground truth with every chunk of a run extracted once and loaded once', async () => {
    // 1. SIGKILL while customers are being extracted.
    let extracted = 0;
    const first = await cli(ARGS, env, dir, (line, kill) => {
      if (line.includes('"phase":"extract"') && line.includes('"status":"done"') && ++extracted === 4) kill();
    });
    expect(first.signal).toBe('SIGKILL');
    // 2. Resume, SIGKILL again once invoices have started loading.
    let loaded = 0;
    const second = await cli(ARGS, env, dir, (line, kill) => {
      if (line.includes('"entity":"invoices"') && line.includes('"phase":"load"') && line.includes('"status":"done"') && ++loaded === 3) kill();
    });
    expect(second.signal).toBe('SIGKILL');
    // 3. Resume to the end.
    const third = await cli(ARGS, env, dir);
    expect(third.code).toBe(0);
    expect(lastEvent(third)).toMatchObject({ type: 'result' });

    const runs = [first, second, third];
    const extractedOnce = chunkEvents(runs, 'extract', 'done');
    const loadedOnce = chunkEvents(runs, 'load', 'done');
    expect(new Set(extractedOnce).size).toBe(extractedOnce.length);
    expect(new Set(loadedOnce).size).toBe(loadedOnce.length);
    // Chunks finished before a kill were skipped, not redone, by the resumed runs.
    expect(chunkEvents([second], 'extract', 'skipped').filter((c) => c.startsWith('customers#')).length).toBeGreaterThanOrEqual(4);
    expect(chunkEvents([third], 'load', 'skipped').filter((c) => c.startsWith('invoices#')).length).toBeGreaterThanOrEqual(3);

    const ledger = await client.query<{ run_id: string; entity: string; status: string; open_count: number; chunks: number; loaded: number }>(
      `SELECT r.run_id, r.entity, r.status, r.open_count, count(*)::int AS chunks,
              count(*) FILTER (WHERE c.status = 'loaded')::int AS loaded
         FROM ops.backfill_runs r JOIN ops.backfill_chunks c USING (run_id) GROUP BY r.run_id ORDER BY r.started_at_utc`,
    );
    // customers: one run opened twice; items: one run; invoices: one run opened twice; then customers and items again.
    expect(ledger.rows.map((r) => [r.entity, r.status, r.open_count])).toEqual([
      ['customers', 'succeeded', 2],
      ['items', 'succeeded', 1],
      ['invoices', 'succeeded', 2],
      ['customers', 'succeeded', 1],
      ['items', 'succeeded', 1],
    ]);
    for (const row of ledger.rows) expect(row.loaded).toBe(row.chunks);
    // A chunk's 'done' line comes after its batch commits: a kill can land in between, and the resumed run then
    // skips the chunk as already loaded. Every chunk is loaded exactly once: seen done once, or skipped after a kill.
    const skippedLater = chunkEvents([second, third], 'load', 'skipped').filter((c) => !loadedOnce.includes(c));
    expect(new Set([...loadedOnce, ...skippedLater]).size).toBe(ledger.rows.reduce((n, r) => n + r.chunks, 0));
    expect(loadedOnce.length + new Set(skippedLater).size).toBe(ledger.rows.reduce((n, r) => n + r.chunks, 0));
    for (const entity of ENTITIES) expect(await tablePayloads(client, entity)).toEqual(truthPayloads(sandbox, entity));
  });
});
