/** The blocks' check that db/init has been applied, and is up to date, before they touch the database. */
import { Pool } from 'pg';
import { assertInitialised, initDatabase } from '../../src/db/init';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase('init_check');
  pool = new Pool({ connectionString: db.url, max: 2 });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

test('a database without the tables says to run db init', async () => {
  await expect(assertInitialised(pool)).rejects.toMatchObject({ code: 'DB_NOT_INITIALISED', message: expect.stringMatching(/qbo-backfill db init/) });
});

test('a database initialised by an older db/init names the missing columns and says to run db init; db init fixes it', async () => {
  await initDatabase(pool);
  await expect(assertInitialised(pool)).resolves.toBeUndefined();
  await pool.query('ALTER TABLE ops.backfill_chunks DROP COLUMN pass_first_chunk, DROP COLUMN pass_last_chunk');
  await expect(assertInitialised(pool)).rejects.toMatchObject({
    code: 'DB_NOT_INITIALISED',
    message: expect.stringMatching(/older db\/init: it has no ops\.backfill_chunks\.pass_first_chunk, ops\.backfill_chunks\.pass_last_chunk\. Run `qbo-backfill db init`/),
  });
  await initDatabase(pool);
  await expect(assertInitialised(pool)).resolves.toBeUndefined();
});

test('a database initialised before the realm leases carried a demand names ops.realm_leases.wants_in_flight', async () => {
  await initDatabase(pool);
  await pool.query('ALTER TABLE ops.realm_leases DROP COLUMN wants_in_flight');
  await expect(assertInitialised(pool)).rejects.toMatchObject({
    code: 'DB_NOT_INITIALISED',
    message: expect.stringMatching(/older db\/init: it has no ops\.realm_leases\.wants_in_flight\. Run `qbo-backfill db init`/),
  });
  await initDatabase(pool);
  await expect(assertInitialised(pool)).resolves.toBeUndefined();
});
