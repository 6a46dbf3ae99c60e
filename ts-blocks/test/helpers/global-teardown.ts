import type { LocalPostgres } from '../../src/devdb/local-postgres';

export default async function globalTeardown(): Promise<void> {
  const pg = (globalThis as Record<string, unknown>).__QBO_TEST_PG__ as LocalPostgres | undefined;
  if (pg?.started) await pg.stop();
}
