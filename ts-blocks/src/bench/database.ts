/**
 * The bench's own database: created fresh on a PostgreSQL server (QBO_BENCH_ADMIN_URL, else DATABASE_URL's
 * server, else whatever `ensurePostgres` finds or starts), initialised with db/init, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Client, Pool } from 'pg';
import { initDatabase } from '../db/init';
import { ensurePostgres, type LocalPostgres } from '../devdb/local-postgres';

/** The repository root (this file lives at ts-blocks/{src,dist}/bench/). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export interface BenchDatabase {
  readonly name: string;
  /** Connection URL of the bench database (carries the server's credentials: never print it). */
  readonly url: string;
  readonly serverVersion: string;
  drop(): Promise<void>;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs one statement on its own connection; the first column of its first row, if any. */
export async function adminQuery(url: string, sql: string): Promise<string | undefined> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(sql);
    return result.rows[0] ? String(Object.values(result.rows[0] as Record<string, unknown>)[0]) : undefined;
  } finally {
    await client.end();
  }
}

/** Finds the server: an explicit admin URL, DATABASE_URL's server, or a local/embedded one. */
export async function benchServer(env: NodeJS.ProcessEnv, log: (m: string) => void): Promise<LocalPostgres> {
  const explicit = env.QBO_BENCH_ADMIN_URL ?? env.DATABASE_URL;
  return ensurePostgres({ url: explicit, dataDir: join(REPO_ROOT, '.pgdata', 'bench'), log });
}

/** Creates `qbo_bench_<random>` on the server and applies db/init to it. */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `qbo_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = withDatabase(adminUrl, name);
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    await initDatabase(pool);
  } finally {
    await pool.end();
  }
  const serverVersion = (await adminQuery(url, `SELECT 'PostgreSQL ' || current_setting('server_version')`)) ?? 'PostgreSQL';
  return {
    name,
    url,
    serverVersion,
    drop: async () => {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
