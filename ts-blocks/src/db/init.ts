/**
 * Applies db/init/*.sql in file-name order. Every file is idempotent (CREATE … IF NOT EXISTS), so this runs on
 * every `qbo-backfill db init`, every test database and the demo; an advisory lock keeps two concurrent callers
 * from racing on the catalog.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Pool } from 'pg';
import { ConfigError } from '../core/errors';
import { queryError } from './errors';

/** db/init relative to the compiled (ts-blocks/dist/db) or source (ts-blocks/src/db) file. */
export const DEFAULT_INIT_DIR = resolve(__dirname, '..', '..', '..', 'db', 'init');
const INIT_LOCK_KEY = 0x71b0_0001;

export interface InitResult {
  readonly files: readonly string[];
}

export function initFiles(dir: string = DEFAULT_INIT_DIR): string[] {
  if (!existsSync(dir)) {
    throw new ConfigError(`The DDL directory ${dir} does not exist; expected db/init/*.sql beside ts-blocks/.`, {
      code: 'DB_INIT_DIR_MISSING',
    });
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
}

export async function initDatabase(pool: Pool, dir: string = DEFAULT_INIT_DIR): Promise<InitResult> {
  const files = initFiles(dir);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [INIT_LOCK_KEY]);
    try {
      for (const file of files) {
        try {
          await client.query(readFileSync(join(dir, file), 'utf8'));
        } catch (e) {
          throw queryError(e, `applying db/init/${file}`);
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [INIT_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
  return { files };
}

/**
 * Columns added to existing tables by later db/init files (`ALTER TABLE … ADD COLUMN IF NOT EXISTS`): a database
 * initialised before them has the tables but not these, and must be brought up to date with `db init`.
 */
const ADDED_COLUMNS: ReadonlyArray<readonly [table: string, column: string]> = [
  ['ops.backfill_chunks', 'pass_first_chunk'],
  ['ops.backfill_chunks', 'pass_last_chunk'],
  ['ops.realm_leases', 'wants_in_flight'],
];

async function missingColumns(pool: Pool): Promise<string[]> {
  try {
    const { rows } = await pool.query<{ name: string }>(
      `SELECT t.name || '.' || t.col AS name FROM unnest($1::text[], $2::text[]) AS t(name, col)
        WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = to_regclass(t.name) AND a.attname = t.col AND NOT a.attisdropped)`,
      [ADDED_COLUMNS.map(([t]) => t), ADDED_COLUMNS.map(([, c]) => c)],
    );
    return rows.map((r) => r.name);
  } catch (e) {
    throw queryError(e, 'checking the backfill tables\' columns');
  }
}

/**
 * Throws ConfigError DB_NOT_INITIALISED unless db/init has been applied (the ledger and raw tables exist) and is up
 * to date (the columns later files add exist).
 */
export async function assertInitialised(pool: Pool): Promise<void> {
  let missing: string[];
  try {
    const { rows } = await pool.query<{ name: string; present: boolean }>(
      `SELECT name, to_regclass(name) IS NOT NULL AS present
         FROM unnest(ARRAY['ops.backfill_runs', 'ops.backfill_chunks', 'ops.source_deletions', 'ops.unstorable_payloads',
                             'raw.qb_invoices', 'raw.qb_customers', 'raw.qb_items']) AS name`,
    );
    missing = rows.filter((r) => !r.present).map((r) => r.name);
  } catch (e) {
    throw queryError(e, 'checking the backfill tables');
  }
  if (missing.length > 0) {
    throw new ConfigError(`The database has no ${missing.join(', ')}. Run \`qbo-backfill db init\` (or apply db/init/*.sql) first.`, {
      code: 'DB_NOT_INITIALISED',
      context: { missing },
    });
  }
  const columns = await missingColumns(pool);
  if (columns.length > 0) {
    throw new ConfigError(
      `The database was initialised by an older db/init: it has no ${columns.join(', ')}. Run \`qbo-backfill db init\` ` +
        '(or apply db/init/*.sql again; every file is idempotent) to bring it up to date.',
      { code: 'DB_NOT_INITIALISED', context: { missing: columns } },
    );
  }
}
