/**
 * Runs once before the suite: finds (or starts) a PostgreSQL and publishes its admin URL to the test workers as
 * QBO_TEST_ADMIN_URL. Each test file then creates its own database (see ./db.ts).
 * QBO_TEST_ADMIN_URL may be set by the caller to point the suite at a specific server.
 */
import { join } from 'node:path';
import { ensurePostgres, type LocalPostgres } from '../../src/devdb/local-postgres';

export default async function globalSetup(): Promise<void> {
  const configured = process.env.QBO_TEST_ADMIN_URL;
  const pg: LocalPostgres = await ensurePostgres({
    url: configured,
    dataDir: join(__dirname, '..', '..', '..', '.pgdata', 'test'),
    log: (m) => process.stderr.write(`[test db] ${m}\n`),
  });
  process.env.QBO_TEST_ADMIN_URL = pg.url;
  (globalThis as Record<string, unknown>).__QBO_TEST_PG__ = pg;
}
