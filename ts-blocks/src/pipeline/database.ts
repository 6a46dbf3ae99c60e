/** The database side of a block or CLI run: a checked pool and the ledger over it. */
import type { Pool } from 'pg';
import type { DbConfig, PoolOptions } from '../db/config';
import { assertInitialised } from '../db/init';
import { openPool } from '../db/pool';
import { PgLedger } from '../ledger/pg-ledger';

export interface Database {
  readonly pool: Pool;
  readonly ledger: PgLedger;
  close(): Promise<void>;
}

/**
 * Connects (ConfigError DB_UNREACHABLE / DB_AUTH_FAILED / DB_NOT_FOUND when it cannot) and, unless told otherwise,
 * checks that db/init was applied (ConfigError DB_NOT_INITIALISED).
 */
export async function openDatabase(config: DbConfig, options: PoolOptions & { requireInit?: boolean } = {}): Promise<Database> {
  const pool = await openPool(config, options);
  try {
    if (options.requireInit !== false) await assertInitialised(pool);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
  return { pool, ledger: new PgLedger(pool), close: () => pool.end() };
}
