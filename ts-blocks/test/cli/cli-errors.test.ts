import { rmSync } from 'node:fs';
import type { Client } from 'pg';
import { freePort } from '../../src/core/free-port';
import type { SandboxHandle } from '../../src/sandbox';
import { createTestDatabase, withDatabase, adminUrl, type TestDatabase } from '../helpers/db';
import { cli, cliEnv, runArgs, smallSandbox, workDir } from './helpers';

describe('qbo-backfill CLI failures: clear message, nothing written, non-zero exit', () => {
  let db: TestDatabase;
  let sandbox: SandboxHandle;
  let client: Client;
  let dir: string;

  const written = async () => {
    const { rows } = await client.query(
      `SELECT (SELECT count(*) FROM ops.backfill_runs)::int AS runs,
              (SELECT count(*) FROM raw.qb_customers)::int + (SELECT count(*) FROM raw.qb_items)::int
                + (SELECT count(*) FROM raw.qb_invoices)::int AS rows`,
    );
    return rows[0] as { runs: number; rows: number };
  };
  const apiCalls = () => sandbox.stats().requests;

  beforeAll(async () => {
    db = await createTestDatabase('clierrors');
    await db.applyInit();
    sandbox = await smallSandbox();
    client = await db.client();
    dir = workDir('errors');
  });
  afterAll(async () => {
    await sandbox.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an invalid refresh token is an auth error telling the operator to re-authorize (exit 3)', async () => {
    const badToken = 'RT1-this-token-was-never-issued-0000';
    const out = await cli(runArgs('customers'), cliEnv(sandbox, db.url, dir, { QBO_REFRESH_TOKEN: badToken }), dir);
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/error: .*re-?authori[sz]e/i);
    expect(out.stdout + out.stderr).not.toContain(badToken);
    expect(out.stdout + out.stderr).not.toContain(sandbox.clientSecret);
    expect(await written()).toEqual({ runs: 0, rows: 0 });
  });

  it.each([
    ['a wrong realm (QBO answers 403, code 3100)', { QBO_REALM_ID: '4620816365999999999' }, /403.*3100|QBO_REALM_ID/s],
    ['a wrong client secret (invalid_client)', { QBO_CLIENT_SECRET: 'not-the-secret-0000' }, /invalid_client|client/i],
    ['a wrong refresh token (invalid_grant)', { QBO_REFRESH_TOKEN: 'RT1-never-issued-0001' }, /re-?authori[sz]e/i],
  ])('%s: exit 3 with the message as before, and ops unchanged (no run row, no chunk row)', async (_what, over, message) => {
    // ops as a whole, but for one thing: after a refused QBO request (the wrong realm's 403), the process's lease stays
    // `released` until that request leaves QBO's rolling minute (the budget bookkeeping, 050_realm_lease_release.sql).
    const ops = async () =>
      (await client.query(
        `SELECT (SELECT count(*) FROM ops.backfill_runs)::int AS runs, (SELECT count(*) FROM ops.backfill_chunks)::int AS chunks,
                (SELECT count(*) FROM ops.validation_results)::int AS checks, (SELECT count(*) FROM ops.source_deletions)::int AS deletions,
                (SELECT count(*) FROM ops.unstorable_payloads)::int AS originals,
                (SELECT count(*) FROM ops.realm_leases WHERE NOT released)::int AS leases`,
      )).rows[0];
    const before = await ops();
    const out = await cli(runArgs('invoices'), cliEnv(sandbox, db.url, dir, over), dir);
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(message);
    expect(out.stdout + out.stderr).not.toContain(sandbox.clientSecret);
    expect(await ops()).toEqual(before);
    expect(await written()).toMatchObject({ rows: 0 });
  });

  it('an unreachable database fails before any request, naming it without the password (exit 2)', async () => {
    const before = apiCalls();
    const url = `postgres://loader:db-pw-never-printed@127.0.0.1:${await freePort()}/warehouse`;
    const out = await cli(runArgs('all'), cliEnv(sandbox, url, dir), dir);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/error: PostgreSQL at .*127\.0\.0\.1:\d+\/warehouse does not answer/);
    expect(out.stderr).not.toContain('db-pw-never-printed');
    expect(apiCalls()).toBe(before);
  });

  describe('an unreachable token endpoint', () => {
    const unreachable = async (): Promise<NodeJS.ProcessEnv> => {
      const tokenUrl = `http://127.0.0.1:${await freePort()}/oauth2/v1/tokens/bearer`;
      return cliEnv(sandbox, db.url, dir, { QBO_TOKEN_URL: tokenUrl, QBO_MAX_RETRIES: '2', QBO_RETRY_BASE_MS: '1', QBO_RETRY_MAX_MS: '5' });
    };

    it('shows each retry as it happens, then gives up naming the tries and the host, never a credential (exit 1)', async () => {
      const env = await unreachable();
      const host = new URL(env.QBO_TOKEN_URL!).host;
      const out = await cli(runArgs('items'), env, dir);
      expect(out.code).toBe(1);
      const lines = out.stderr.trimEnd().split('\n');
      expect(lines).toEqual([
        `auth: POST /oauth2/v1/tokens/bearer on ${host}: connection failed (ECONNREFUSED); retry 1 of 2 in ${lines[0]!.split(' in ')[1]}`,
        `auth: POST /oauth2/v1/tokens/bearer on ${host}: connection failed (ECONNREFUSED); retry 2 of 2 in ${lines[1]!.split(' in ')[1]}`,
        expect.stringMatching(new RegExp(`^error: QBO token refresh gave up after 3 tries on ${host.replace(/\./g, '\\.')}\\. Last failure: .*ECONNREFUSED.*QBO_TOKEN_URL`)),
      ]);
      expect(out.stdout + out.stderr).not.toContain(sandbox.clientSecret);
      expect(out.stdout + out.stderr).not.toContain(sandbox.refreshToken);
      expect(await written()).toEqual({ runs: 0, rows: 0 });
    });

    it('with --json, the retries are events and the last stdout line is the error', async () => {
      const env = await unreachable();
      const out = await cli(runArgs('items', ['--json']), env, dir);
      expect(out.code).toBe(1);
      expect(out.events.filter((e) => e.type === 'retry')).toHaveLength(2);
      expect(out.events[out.events.length - 1]).toMatchObject({
        type: 'error',
        error: { kind: 'retriable', code: 'QBO_NETWORK', context: { host: new URL(env.QBO_TOKEN_URL!).host, attempts: 3 } },
      });
    });
  });

  it('a database without the schemas says to run db init (exit 2)', async () => {
    const empty = await createTestDatabase('clierrors_empty');
    try {
      const out = await cli(runArgs('items'), cliEnv(sandbox, empty.url, dir), dir);
      expect(out.code).toBe(2);
      expect(out.stderr).toMatch(/qbo-backfill db init/);
    } finally {
      await empty.drop();
    }
  });

  it.each([
    [['--from', '2024-07-01', '--to', '2024-01-01'], /--to must be after --from/],
    [['--from', 'yesterday', '--to', '2024-01-01'], /--from must be ISO-8601/],
    [['--from', '2024-01-01', '--to', '2024-07-01', '--page-size', '5000'], /--page-size must be an integer from 1 to 1000/],
    [['--from', '2024-01-01', '--to', '2024-07-01', '--date-field', 'txn_date'], /txn_date is only available for invoices/],
  ])('bad variables %j fail with one message naming the flag, the usage, and no request (exit 2)', async (flags, message) => {
    const before = apiCalls();
    const out = await cli(['run', '--entity', 'customers', ...flags], cliEnv(sandbox, db.url, dir), dir);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).toContain('Usage:');
    expect(apiCalls()).toBe(before);
    expect(await written()).toEqual({ runs: 0, rows: 0 });
  });

  it.each([
    [['run', '--entity', 'vendors', '--from', '2024-01-01', '--to', '2024-02-01'], /--entity must be one of invoices, customers, items, all/],
    [['run', '--entity', 'items'], /run needs --from, --to/],
    [['run', '--entity', 'items', '--from', '2024-01-01', '--to', '2024-02-01', '--colour'], /Unknown option '--colour'/],
    [['migrate'], /Unknown command "migrate"/],
    [['report', '--run', 'x', '--latest'], /not both/],
  ])('bad command line %j: one message and the usage (exit 2)', async (args, message) => {
    const out = await cli(args, cliEnv(sandbox, db.url, dir), dir);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).toContain('Usage:');
  });

  it('missing settings are named (never their values) before anything runs (exit 2)', async () => {
    const env = cliEnv(sandbox, db.url, dir);
    delete env.QBO_CLIENT_ID;
    delete env.QBO_REALM_ID;
    const out = await cli(runArgs('items'), env, dir);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/Missing settings: QBO_REALM_ID, QBO_CLIENT_ID/);
    expect(out.stderr).not.toContain(sandbox.clientSecret);
  });

  it('report on a database with no runs says so (exit 2)', async () => {
    const out = await cli(['report', '--latest'], cliEnv(sandbox, withDatabase(adminUrl(), db.name), dir), dir);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/No backfill run is recorded/);
  });

  describe('once a company is loaded', () => {
    beforeAll(async () => {
      const out = await cli(runArgs('items'), cliEnv(sandbox, db.url, dir), dir);
      expect(out.code).toBe(0);
    });

    it('another company\'s backfill into the same tables is refused, its rows not written (exit 4)', async () => {
      const other = await smallSandbox({ seed: 2 });
      try {
        expect(other.realmId).not.toBe(sandbox.realmId);
        const before = (await client.query('SELECT t::text AS r FROM raw.qb_items t ORDER BY id')).rows;
        const out = await cli(runArgs('items'), cliEnv(other, db.url, dir), dir);
        expect(out.code).toBe(4);
        expect(out.stderr).toMatch(/raw\.qb_items already holds rows of QBO company \(realm\) .*Nothing was written/);
        expect((await client.query('SELECT t::text AS r FROM raw.qb_items t ORDER BY id')).rows).toEqual(before);
      } finally {
        await other.close();
      }
    });

    it('a failed validation fails that entity (exit 4) while the others still run', async () => {
      // A row stamped in the future is what a wrong time-zone conversion would produce: a hard failure.
      await client.query(`UPDATE raw.qb_items SET ingested_at_utc = now() + interval '2 days'
                           WHERE id = (SELECT min(id) FROM raw.qb_items)`);
      const out = await cli(runArgs('all'), cliEnv(sandbox, db.url, dir), dir);
      expect(out.code).toBe(4);
      expect(out.stdout).toMatch(/customers\s+succeeded/);
      expect(out.stdout).toMatch(/items\s+failed/);
      expect(out.stdout).toMatch(/invoices\s+succeeded/);
      expect(out.stderr).toMatch(/error: Validation of run .* \(items\) failed 1 check\(s\): timestamps_utc/);
      const json = await cli(runArgs('items', ['--json']), cliEnv(sandbox, db.url, dir), dir);
      expect(json.code).toBe(4);
      expect(json.events[json.events.length - 1]).toMatchObject({
        type: 'error',
        error: { kind: 'data', code: 'VALIDATION_FAILED', message: expect.stringMatching(/timestamps_utc/), context: { entities: ['items'] } },
      });
    });
  });
});
