/**
 * The demo's database: DATABASE_URL when set (used as is), otherwise a database `qbo_backfill_demo` on the local
 * PostgreSQL at 127.0.0.1:5432 or on an embedded one started for the demo (ensurePostgres). db/init is applied
 * either way (idempotent), so a second demo run re-loads into the same tables and shows 0 inserted, 0 updated.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { Client, Pool } from 'pg';
import { initDatabase } from '../db/init';
import { ensurePostgres, type LocalPostgres } from '../devdb/local-postgres';
import { PROJECT_ROOT } from './mage-cli';

export const DEMO_DATABASE = 'qbo_backfill_demo';

export interface DemoDatabase {
  readonly url: string;
  /** True when the demo started an embedded PostgreSQL (it lives as long as the demo process). */
  readonly started: boolean;
  /** A shell command, run from the repository root, that opens the database in psql; it shows no password. */
  readonly psql: string;
  stop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function createIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${database}`);
  } finally {
    await client.end();
  }
}

/** psql for the demo's database: the configured URL by name, else host, port, user and the password's file. */
export function psqlCommand(url: string, server: Pick<LocalPostgres, 'passwordFile'>, configured: boolean): string {
  if (configured) return 'psql "$DATABASE_URL"';
  const u = new URL(url);
  const command = `psql -h ${u.hostname} -p ${u.port || '5432'} -U ${decodeURIComponent(u.username)} ${u.pathname.slice(1)}`;
  if (server.passwordFile === undefined) return command;
  const file = relative(PROJECT_ROOT, server.passwordFile);
  return `PGPASSWORD="$(cat ${file.startsWith('..') || isAbsolute(file) ? server.passwordFile : file})" ${command}`;
}

export async function prepareDemoDatabase(log: (message: string) => void): Promise<DemoDatabase> {
  const configured = process.env.DATABASE_URL;
  const server = await ensurePostgres({ url: configured, dataDir: resolve(PROJECT_ROOT, '.pgdata', 'demo'), log });
  let url = server.url;
  if (!configured) {
    await createIfMissing(server.url, DEMO_DATABASE);
    url = withDatabase(server.url, DEMO_DATABASE);
  }
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    const { files } = await initDatabase(pool);
    log(`Applied db/init (${files.length} files) to database ${new URL(url).pathname.slice(1)}.`);
  } finally {
    await pool.end();
  }
  return { url, started: server.started, psql: psqlCommand(url, server, Boolean(configured)), stop: () => server.stop() };
}
