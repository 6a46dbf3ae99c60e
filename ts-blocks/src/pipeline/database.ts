/**
 * The database side of a block or CLI run: a checked pool, the ledger over it, and the session (a dedicated
 * connection opened on first use) for the run locks and the realm lease. `close` ends both, which releases every
 * lock of this process.
 */
import type { Pool } from 'pg';
import type { DbConfig, PoolOptions } from '../db/config';
import { assertInitialised } from '../db/init';
import { openPool } from '../db/pool';
import { PgLedger } from '../ledger/pg-ledger';
import { PgRunLocks } from '../ledger/pg-run-locks';
import { PgSession } from '../ledger/pg-session';
import { PgSourceDeletions } from '../ledger/source-deletions';

export interface Database {
  readonly pool: Pool;
  readonly ledger: PgLedger;
  /** The process's dedicated connection for session locks (run locks, the realm lease's liveness). */
  readonly session: PgSession;
  readonly runLocks: PgRunLocks;
  /** The deletions runs confirmed at QBO (ops.source_deletions). */
  readonly deletions: PgSourceDeletions;
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
  const session = new PgSession(config, options.applicationName);
  return {
    pool,
    ledger: new PgLedger(pool),
    session,
    runLocks: new PgRunLocks(session),
    deletions: new PgSourceDeletions(pool),
    close: async () => {
      await session.close();
      await pool.end();
    },
  };
}
