import { createServer, type Server } from 'node:net';
import { describeTarget, resolveTarget } from '../../src/db/config';
import { initDatabase } from '../../src/db/init';
import { createPool, openPool } from '../../src/db/pool';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

async function closedPort(): Promise<number> {
  const srv: Server = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const address = srv.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('db pool and init', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('dbpool');
  });
  afterAll(async () => db.drop());

  it('sessions run in UTC with the application name and a statement timeout', async () => {
    const pool = createPool({ connectionString: db.url }, { applicationName: 'qbo-test', statementTimeoutMs: 1234 });
    try {
      const { rows } = await pool.query(
        `SELECT current_setting('TimeZone') AS tz, current_setting('application_name') AS app,
                current_setting('statement_timeout') AS st`,
      );
      expect(rows[0]).toEqual({ tz: 'UTC', app: 'qbo-test', st: '1234ms' });
    } finally {
      await pool.end();
    }
  });

  it('initDatabase applies db/init twice (also concurrently) and adds the realm index', async () => {
    const pool = createPool({ connectionString: db.url });
    try {
      const [a] = await Promise.all([initDatabase(pool), initDatabase(pool)]);
      await initDatabase(pool);
      expect(a.files[0]).toBe('001_schemas.sql');
      const { rows } = await pool.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'raw' AND indexname LIKE '%realm%' ORDER BY 1`);
      expect(rows.map((r) => r.indexname)).toEqual(['qb_customers_realm_idx', 'qb_invoices_realm_idx', 'qb_items_realm_idx']);
    } finally {
      await pool.end();
    }
  });

  it('an unreachable database is a config error naming host and database, never the password', async () => {
    const port = await closedPort();
    const url = `postgres://loader:s3cr3t-pw@127.0.0.1:${port}/warehouse`;
    const err = await openPool({ connectionString: url }, { connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'config', code: 'DB_UNREACHABLE' });
    const message = (err as Error).message;
    expect(message).toContain(`loader@127.0.0.1:${port}/warehouse`);
    expect(message).not.toContain('s3cr3t-pw');
    expect(JSON.stringify((err as { toJSON(): unknown }).toJSON())).not.toContain('s3cr3t-pw');
  });

  it('a database that does not exist is a config error', async () => {
    const url = new URL(db.url);
    url.pathname = '/qbo_no_such_database';
    await expect(openPool({ connectionString: url.toString() })).rejects.toMatchObject({ kind: 'config', code: 'DB_NOT_FOUND' });
  });

  it('describes discrete settings with libpq defaults', () => {
    expect(describeTarget({ host: 'db', password: 'x' })).toBe('postgres@db:5432/postgres');
    expect(resolveTarget({ connectionString: 'postgres://u:p@h:6543/d' })).toEqual({ host: 'h', port: 6543, database: 'd', user: 'u' });
  });
});
