/**
 * Turns what `pg` throws into the project's error kinds, with messages that name the database (never the
 * password) and say what to do.
 */
import { DatabaseError } from 'pg';
import { ConfigError, FatalError, isBackfillError, type BackfillError } from '../core/errors';
import { describeTarget, type DbConfig } from './config';

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** True when the error means the server could not be reached at all. */
export function isUnreachable(e: unknown): boolean {
  const code = codeOf(e);
  if (code && UNREACHABLE_CODES.has(code)) return true;
  return /timeout expired|Connection terminated|connect ETIMEDOUT/i.test(messageOf(e));
}

/** Classifies an error raised while connecting to (or first querying) the configured database. */
export function connectionError(e: unknown, config: DbConfig): BackfillError {
  if (isBackfillError(e)) return e;
  const target = describeTarget(config);
  const code = codeOf(e);
  if (isUnreachable(e)) {
    return new ConfigError(
      `PostgreSQL at ${target} does not answer (${code ?? messageOf(e)}). Check DATABASE_URL or PGHOST/PGPORT and ` +
        'that the server is running.',
      { code: 'DB_UNREACHABLE', context: { target }, cause: e },
    );
  }
  if (code === '28P01' || code === '28000') {
    return new ConfigError(`PostgreSQL at ${target} refused the credentials. Check PGUSER/PGPASSWORD or DATABASE_URL.`, {
      code: 'DB_AUTH_FAILED',
      context: { target },
      cause: e,
    });
  }
  if (code === '3D000') {
    return new ConfigError(`The database in ${target} does not exist. Create it, or point DATABASE_URL/PGDATABASE at one.`, {
      code: 'DB_NOT_FOUND',
      context: { target },
      cause: e,
    });
  }
  return queryError(e, `connecting to PostgreSQL at ${target}`);
}

/** Classifies an error raised by a statement. `doing` says what was being done (e.g. "loading chunk 3 of invoices"). */
export function queryError(e: unknown, doing: string): BackfillError {
  if (isBackfillError(e)) return e;
  const code = codeOf(e);
  if (code === '42P01' || code === '3F000') {
    return new ConfigError(`The backfill tables are missing while ${doing} (${messageOf(e)}). Run \`qbo-backfill db init\`.`, {
      code: 'DB_NOT_INITIALISED',
      cause: e,
    });
  }
  if (isUnreachable(e)) {
    return new FatalError(`The connection to PostgreSQL was lost while ${doing} (${code ?? messageOf(e)}). Re-run to resume.`, {
      code: 'DB_CONNECTION_LOST',
      cause: e,
    });
  }
  const constraint = (e as { constraint?: unknown }).constraint;
  const fromServer = e instanceof DatabaseError;
  return new FatalError(`${fromServer ? 'PostgreSQL failed' : 'Failed'} while ${doing}: ${messageOf(e)}`, {
    code: fromServer ? `DB_${code ?? 'ERROR'}` : (code ?? 'LOAD_FAILED'),
    context: typeof constraint === 'string' ? { constraint } : {},
    cause: e,
  });
}
