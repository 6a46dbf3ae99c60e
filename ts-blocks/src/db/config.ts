/**
 * How the library reaches PostgreSQL. Either a connection URL or discrete PG* settings; the password is only ever
 * handed to `pg`, never put in a message (see `describeTarget`).
 */
export interface DbConfig {
  /** A full URL (DATABASE_URL). When set it wins over the discrete fields. */
  readonly connectionString?: string;
  readonly host?: string;
  readonly port?: number;
  readonly database?: string;
  readonly user?: string;
  readonly password?: string;
}

export interface PoolOptions {
  /** Shown in pg_stat_activity. */
  readonly applicationName?: string;
  /** Per-statement limit; 0 disables. */
  readonly statementTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly max?: number;
}

export const DEFAULT_APPLICATION_NAME = 'qbo-backfill';
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_POOL_MAX = 4;

export interface DbTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

/** Host, port, database and user the config points at (no password), with libpq's defaults filled in. */
export function resolveTarget(config: DbConfig): DbTarget {
  let fromUrl: Partial<DbTarget> = {};
  if (config.connectionString) {
    try {
      const u = new URL(config.connectionString);
      fromUrl = {
        host: u.hostname || undefined,
        port: u.port ? Number(u.port) : undefined,
        database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
        user: u.username ? decodeURIComponent(u.username) : undefined,
      };
    } catch {
      fromUrl = {};
    }
  }
  const user = fromUrl.user ?? config.user ?? 'postgres';
  return {
    host: fromUrl.host ?? config.host ?? 'localhost',
    port: fromUrl.port ?? config.port ?? 5432,
    database: fromUrl.database ?? config.database ?? user,
    user,
  };
}

/** `user@host:port/database`: what error messages name. Never includes the password. */
export function describeTarget(config: DbConfig): string {
  const t = resolveTarget(config);
  return `${t.user}@${t.host}:${t.port}/${t.database}`;
}
