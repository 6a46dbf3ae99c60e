/**
 * One fresh database per test file: `const db = await createTestDatabase('store')` in beforeAll,
 * `await db.drop()` in afterAll. `db.url` is a full connection URL; `applyInit` runs db/init/*.sql.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Runs db/init/*.sql in order against this database. */
  applyInit(): Promise<void>;
  /** A connected client (closed by `drop`). */
  client(): Promise<Client>;
  drop(): Promise<void>;
}

export const INIT_DIR = join(__dirname, '..', '..', '..', 'db', 'init');

export function adminUrl(): string {
  const url = process.env.QBO_TEST_ADMIN_URL;
  if (!url) throw new Error('QBO_TEST_ADMIN_URL is not set: run the tests through jest (its global setup sets it).');
  return url;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `qbo_test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl(), name);
  const clients: Client[] = [];
  return {
    name,
    url,
    async applyInit() {
      const c = new Client({ connectionString: url });
      await c.connect();
      try {
        for (const file of readdirSync(INIT_DIR).filter((f) => f.endsWith('.sql')).sort()) {
          await c.query(readFileSync(join(INIT_DIR, file), 'utf8'));
        }
      } finally {
        await c.end();
      }
    },
    async client() {
      const c = new Client({ connectionString: url });
      await c.connect();
      clients.push(c);
      return c;
    },
    async drop() {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      const a = new Client({ connectionString: adminUrl() });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
