/** The loader block end to end: block protocol in, sandbox extraction, PostgreSQL ledger, manifest out. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runBlock } from '../../src/blocks/harness';
import { clearRegisteredSecrets } from '../../src/core/sanitize';
import { loaderBody, lowerCpuPriority, type LoaderOptions } from '../../src/extract/loader-block';
import type { ExtractManifest } from '../../src/extract/manifest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { Pool } from 'pg';
import { PgLedger } from '../../src/ledger/pg-ledger';
import { exportRun } from '../../src/pipeline/export-run';
import { stagedLinesTable } from '../../src/store/pre-stage';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { groundTruthById, readManifestSpools } from './sandbox-helpers';

let sandbox: SandboxHandle;
let db: TestDatabase;
let spoolDir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 21, customers: 90, items: 25, invoices: 200 });
  db = await createTestDatabase('loader_block');
  await db.applyInit();
  spoolDir = mkdtempSync(join(tmpdir(), 'qbo-loader-'));
});
afterAll(async () => {
  await sandbox.close();
  await db.drop();
  rmSync(spoolDir, { recursive: true, force: true });
});
afterEach(() => clearRegisteredSecrets());

function secrets(extra: Record<string, string> = {}): Record<string, string> {
  return {
    QBO_API_BASE_URL: sandbox.baseUrl,
    QBO_TOKEN_URL: sandbox.tokenUrl,
    QBO_REALM_ID: sandbox.realmId,
    QBO_CLIENT_ID: sandbox.clientId,
    QBO_CLIENT_SECRET: sandbox.clientSecret,
    QBO_REFRESH_TOKEN: sandbox.refreshToken,
    DATABASE_URL: db.url,
    QBO_SPOOL_DIR: spoolDir,
    ...extra,
  };
}

async function runLoader(vars: Record<string, unknown>, secretValues = secrets(), options: LoaderOptions = {}) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stdin.end(`${JSON.stringify({ vars, secrets: secretValues, upstream: null })}\n`);
  const io = { stdin: stdin as unknown as typeof process.stdin, stdout: stdout as unknown as typeof process.stdout };
  const code = await runBlock((ctx) => loaderBody(ctx, { env: {}, ...options }), io);
  const lines = out.trim().split('\n');
  return { code, lines, events: lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

const customers = { entity: 'customers', fecha_inicio: '2020-01-01', fecha_fin: '2031-01-01T00:00:00Z', chunk_days: '365', page_size: '30' };

describe('the loader\'s CPU priority', () => {
  const fakeOs = (start: number, refuse = false) => {
    const set: number[] = [];
    return {
      set,
      os: {
        getPriority: () => start,
        setPriority: (p: number) => {
          if (refuse) throw new Error('EACCES');
          set.push(p);
        },
      },
    };
  };

  it('is lowered by the niceness asked, at most to 19, and left alone for 0 or when the system refuses', () => {
    const a = fakeOs(0);
    expect(lowerCpuPriority(4, a.os)).toBe(4);
    expect(a.set).toEqual([4]);
    const b = fakeOs(17);
    expect(lowerCpuPriority(4, b.os)).toBe(19);
    const c = fakeOs(0);
    expect(lowerCpuPriority(0, c.os)).toBeUndefined();
    expect(c.set).toEqual([]);
    expect(lowerCpuPriority(4, fakeOs(0, true).os)).toBeUndefined();
  });

  it('the block lowers it by QBO_LOADER_NICENESS (default 4) once its settings are read, and says so', async () => {
    const f = fakeOs(2);
    const unreachable = secrets({ DATABASE_URL: 'postgres://nobody:pw-x-1234@127.0.0.1:1/none' });
    const { events } = await runLoader(customers, unreachable, { priority: f.os });
    expect(f.set).toEqual([6]);
    expect(events.find((e) => e.code === 'LOADER_NICE')).toMatchObject({ level: 'info', tags: { nice: 6 } });
    const g = fakeOs(0);
    await runLoader(customers, { ...unreachable, QBO_LOADER_NICENESS: '0' }, { priority: g.os });
    expect(g.set).toEqual([]);
  });
});

describe('loader block', () => {
  it('extracts into spool files, records every chunk in the ledger and returns the manifest', async () => {
    const { code, events, lines } = await runLoader({ ...customers, origin_ref: 'pipeline-run-7' });
    expect(code).toBe(0);
    const result = events[events.length - 1]!;
    expect(result.type).toBe('result');
    const manifest = result.summary as ExtractManifest;
    expect(manifest).toMatchObject({ entity: 'customers', realm_id: sandbox.realmId, date_field: 'last_updated', spool_dir: spoolDir });
    expect(manifest.totals.failed).toBe(0);
    const spooled = await readManifestSpools(manifest);
    expect([...spooled.byId.keys()].sort()).toEqual([...groundTruthById(sandbox, 'Customer').keys()].sort());

    const client = await db.client();
    const run = await client.query('SELECT status, origin, origin_ref FROM ops.backfill_runs WHERE run_id = $1', [manifest.run_id]);
    expect(run.rows).toEqual([{ status: 'extracted', origin: 'mage', origin_ref: 'pipeline-run-7' }]);
    const chunks = await client.query(
      'SELECT chunk_index, status, spool_path, source_count, rows_read FROM ops.backfill_chunks WHERE run_id = $1 ORDER BY chunk_index',
      [manifest.run_id],
    );
    expect(chunks.rows).toEqual(
      manifest.chunks.map((c) => ({ chunk_index: c.chunk_index, status: 'extracted', spool_path: c.spool_path, source_count: c.source_count, rows_read: c.rows })),
    );

    const rotated = events.filter((e) => e.type === 'token_rotated');
    expect(rotated).toHaveLength(1);
    const others = lines.filter((l) => !l.includes('"token_rotated"')).join('\n');
    for (const secret of [sandbox.clientSecret, sandbox.refreshToken, rotated[0]!.refresh_token]) expect(others).not.toContain(secret);
    expect(events.filter((e) => e.type === 'chunk' && e.status === 'done')).toHaveLength(manifest.chunks.length);
  });

  it('stages every chunk\'s lines in PostgreSQL under its file\'s SHA-256, and the exporter loads the run from them', async () => {
    const { code, events } = await runLoader({ ...customers, fecha_fin: '2030-06-01', force: true });
    expect(code).toBe(0);
    const manifest = events[events.length - 1]!.summary as ExtractManifest;
    expect(events.filter((e) => e.code === 'PRE_STAGING_OFF')).toEqual([]);
    const client = await db.client();
    {
      const marks = await client.query('SELECT chunk_index, spool_sha256, lines FROM ops.staged_spools WHERE run_id = $1 ORDER BY chunk_index', [manifest.run_id]);
      expect(marks.rows).toEqual(
        manifest.chunks.map((c) => ({ chunk_index: c.chunk_index, spool_sha256: createHash('sha256').update(readFileSync(c.spool_path!)).digest('hex'), lines: c.rows })),
      );
      const staged = await client.query(`SELECT count(*)::int AS n, count(DISTINCT doc #>> '{record,Id}')::int AS ids FROM ${stagedLinesTable(manifest.run_id)}`);
      expect(staged.rows).toEqual([{ n: groundTruthById(sandbox, 'Customer').size, ids: groundTruthById(sandbox, 'Customer').size }]);

      const pool = new Pool({ connectionString: db.url, max: 2 });
      try {
        const summary = await exportRun({ pool, ledger: new PgLedger(pool), emit: () => undefined }, manifest.run_id, 'customers');
        expect(summary).toMatchObject({ status: 'loaded', chunks_loaded: manifest.chunks.length, chunks_pre_staged: manifest.chunks.length });
        expect(summary.totals.rows_read).toBe(groundTruthById(sandbox, 'Customer').size);
      } finally {
        await pool.end();
      }
      const ids = await client.query('SELECT id FROM raw.qb_customers ORDER BY id');
      expect(ids.rows.map((r) => r.id)).toEqual([...groundTruthById(sandbox, 'Customer').keys()].sort());
      expect((await client.query('SELECT to_regclass($1) AS t', [stagedLinesTable(manifest.run_id)])).rows).toEqual([{ t: null }]);
    }
  });

  it('resumes an extracted run without calling the QBO API again', async () => {
    const before = sandbox.stats().apiRequests;
    const { code, events } = await runLoader(customers);
    expect(code).toBe(0);
    const manifest = events[events.length - 1]!.summary as ExtractManifest;
    expect(manifest.resumed).toBe(true);
    expect(manifest.chunks.every((c) => c.status === 'already_extracted')).toBe(true);
    expect(sandbox.stats().apiRequests).toBe(before);
  });

  it('fails on bad variables before any request, naming the variable, with exit code 2', async () => {
    const before = sandbox.stats().requests;
    const { code, events } = await runLoader({ ...customers, page_size: '5000' });
    expect(code).toBe(2);
    expect(events[events.length - 1]).toMatchObject({ type: 'error', error: { kind: 'config', code: 'CONFIG_INVALID_VARIABLE' } });
    expect(events[events.length - 1]!.error.message).toContain('page_size must be an integer from 1 to 1000');
    expect(sandbox.stats().requests).toBe(before);
  });

  it('fails on an unreachable database before any request', async () => {
    const before = sandbox.stats().requests;
    const { code, events } = await runLoader(customers, secrets({ DATABASE_URL: 'postgres://nobody:pw-x-1234@127.0.0.1:1/none' }));
    expect(code).toBe(2);
    expect(events[events.length - 1]!.error.code).toMatch(/^DB_/);
    expect(JSON.stringify(events)).not.toContain('pw-x-1234');
    expect(sandbox.stats().requests).toBe(before);
  });

  it('fails with exit code 3 and writes no run when the refresh token is refused', async () => {
    const client = await db.client();
    const runsBefore = (await client.query('SELECT count(*)::int AS n FROM ops.backfill_runs')).rows[0].n;
    const { code, events } = await runLoader({ ...customers, entity: 'items' }, secrets({ QBO_REFRESH_TOKEN: 'RT1-999-H0-0000000000revoked-token' }));
    expect(code).toBe(3);
    expect(events[events.length - 1]!.error).toMatchObject({ kind: 'auth', code: 'QBO_REAUTHORIZE' });
    expect(JSON.stringify(events)).not.toContain('revoked-token');
    expect((await client.query('SELECT count(*)::int AS n FROM ops.backfill_runs')).rows[0].n).toBe(runsBefore);
  });
});
