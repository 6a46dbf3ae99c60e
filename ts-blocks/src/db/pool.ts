/**
 * The one way the library opens PostgreSQL: a `pg` Pool whose sessions run in UTC, say who they are in
 * pg_stat_activity, and cannot hang forever on a statement. `openPool` also proves the server answers, so an
 * unreachable or misconfigured database fails at start with a clear ConfigError, before any API call.
 */
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { registerSecret } from '../core/sanitize';
import {
  DEFAULT_APPLICATION_NAME,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_POOL_MAX,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  type DbConfig,
  type PoolOptions,
} from './config';
import { connectionError } from './errors';

export function poolConfig(config: DbConfig, options: PoolOptions = {}): PoolConfig {
  registerSecret(config.password);
  if (config.connectionString) {
    try {
      registerSecret(decodeURIComponent(new URL(config.connectionString).password));
    } catch {
      /* not a URL: pg reports it when connecting */
    }
  }
  const statementTimeout = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  return {
    ...(config.connectionString
      ? { connectionString: config.connectionString }
      : { host: config.host, port: config.port, database: config.database, user: config.user, password: config.password }),
    application_name: options.applicationName ?? DEFAULT_APPLICATION_NAME,
    // Every session is UTC, so timestamptz values cross the wire as UTC whatever the server's default.
    options: '-c TimeZone=UTC',
    ...(statementTimeout > 0 ? { statement_timeout: statementTimeout } : {}),
    idle_in_transaction_session_timeout: Math.max(statementTimeout, 60_000),
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    max: options.max ?? DEFAULT_POOL_MAX,
  };
}

/** A pool, not yet connected. Idle-client errors (server restart) are absorbed: the next query reports them. */
export function createPool(config: DbConfig, options: PoolOptions = {}): Pool {
  const pool = new Pool(poolConfig(config, options));
  pool.on('error', () => undefined);
  return pool;
}

/** Creates a pool and checks the server answers; throws ConfigError DB_UNREACHABLE / DB_AUTH_FAILED / DB_NOT_FOUND. */
export async function openPool(config: DbConfig, options: PoolOptions = {}): Promise<Pool> {
  const pool = createPool(config, options);
  try {
    await pool.query('SELECT 1');
    return pool;
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw connectionError(e, config);
  }
}

/** Runs `work` in one transaction on one pooled client; rolls back on any error and rethrows it. */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw e;
  } finally {
    client.release(broken);
  }
}
