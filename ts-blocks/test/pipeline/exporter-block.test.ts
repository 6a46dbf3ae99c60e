import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { initDatabase } from '../../src/db/init';
import { createPool } from '../../src/db/pool';
import { PgLedger } from '../../src/ledger/pg-ledger';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { extractChunk, item, openItemsRun } from '../store/fixtures';
import { distPath, runNode } from './run-node';

describe('exporter block (compiled entry point)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let ledger: PgLedger;
  let dir: string;
  const exporter = () => distPath('blocks/exporter.js');
  const doc = (secrets: Record<string, string>, upstream: unknown) => `${JSON.stringify({ vars: { entity: 'items' }, secrets, upstream })}\n`;
  const env = { PATH: process.env.PATH };

  beforeAll(async () => {
    db = await createTestDatabase('exporterblock');
    pool = createPool({ connectionString: db.url });
    await initDatabase(pool);
    ledger = new PgLedger(pool);
    dir = mkdtempSync(join(tmpdir(), 'qbo-exporter-block-'));
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the loader\'s run and ends with a result event carrying the summary', async () => {
    const run = await openItemsRun(ledger, 'realm-block');
    await extractChunk(ledger, dir, run, 0, [item('1', '2024-01-02T10:00:00-08:00'), item('2', '2024-01-03T10:00:00-08:00')]);
    await extractChunk(ledger, dir, run, 1, [item('3', '2024-01-09T10:00:00-08:00')]);
    const upstream = { run_id: run.runId, entity: 'items', chunks: run.chunks.map((c) => ({ chunk_index: c.index, status: 'extracted' })) };
    const out = await runNode(exporter(), [], { stdin: doc({ DATABASE_URL: db.url }, upstream), env });
    expect(out.code).toBe(0);
    const last = out.events[out.events.length - 1];
    expect(last).toMatchObject({
      type: 'result',
      ok: true,
      summary: { run_id: run.runId, entity: 'items', status: 'loaded', chunks_loaded: 2, totals: { rows_inserted: 3 } },
    });
    expect(out.events.filter((e) => e.type === 'chunk' && e.status === 'done')).toHaveLength(2);
    expect((await pool.query('SELECT count(*)::int AS n FROM raw.qb_items')).rows[0].n).toBe(3);

    const again = await runNode(exporter(), [], { stdin: doc({ DATABASE_URL: db.url }, upstream), env });
    expect(again.code).toBe(0);
    expect(again.events[again.events.length - 1]).toMatchObject({ summary: { chunks_loaded: 0, chunks_skipped: 2, totals: { rows_inserted: 0, rows_updated: 0 } } });
  });

  it('without the loader\'s output it fails as a config error (exit 2)', async () => {
    const out = await runNode(exporter(), [], { stdin: doc({ DATABASE_URL: db.url }, null), env });
    expect(out.code).toBe(2);
    expect(out.events[out.events.length - 1]).toMatchObject({ type: 'error', error: { kind: 'config', code: 'BLOCK_BAD_UPSTREAM' } });
  });

  // Every block secret is scrubbed from output (host, user and database too, since they arrive as secrets).
  it('an unreachable database fails with exit 2 and never prints the password', async () => {
    const upstream = { run_id: '00000000-0000-4000-8000-000000000001', entity: 'items' };
    const secrets = { PG_HOST: '127.0.0.1', PG_PORT: '1', PG_DATABASE: 'warehouse', PG_USER: 'loader', PG_PASSWORD: 'pw-never-shown-42' };
    const out = await runNode(exporter(), [], { stdin: doc(secrets, upstream), env });
    expect(out.code).toBe(2);
    expect(out.events[out.events.length - 1]).toMatchObject({ type: 'error', error: { code: 'DB_UNREACHABLE', message: expect.stringMatching(/PostgreSQL at .*:1\/.* does not answer/) } });
    expect(out.stdout + out.stderr).not.toContain('pw-never-shown-42');
  });
});
