/**
 * The database of a test file that works on the project's schema: registers a beforeAll that creates a fresh
 * database, runs db/init/*.sql, then `prepare` (e.g. dropping a constraint the file judges rows without), and opens a
 * pool and a client; and an afterAll that closes them and drops the database. Its fields are set once beforeAll ran.
 */
import { Pool, type Client } from 'pg';
import { createTestDatabase, type TestDatabase } from './db';

export interface InitDatabase {
  readonly db: TestDatabase;
  readonly pool: Pool;
  readonly c: Client;
}

export interface InitDatabaseOptions {
  readonly poolMax?: number;
  readonly prepare?: (c: Client) => Promise<unknown>;
}

export function useInitDatabase(label: string, o: InitDatabaseOptions = {}): InitDatabase {
  const t = {} as { db: TestDatabase; pool: Pool; c: Client };
  beforeAll(async () => {
    t.db = await createTestDatabase(label);
    await t.db.applyInit();
    t.c = await t.db.client();
    await o.prepare?.(t.c);
    t.pool = new Pool({ connectionString: t.db.url, max: o.poolMax ?? 2 });
  });
  afterAll(async () => {
    await t.pool?.end();
    await t.db?.drop();
  });
  return t;
}
