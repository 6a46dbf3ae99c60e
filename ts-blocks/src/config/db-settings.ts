/**
 * Where PostgreSQL is. In order: DATABASE_URL; the Mage secret names PG_HOST/PG_PORT/PG_DATABASE/PG_USER/
 * PG_PASSWORD; libpq's PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD (CLI environment). The result is always a
 * connection string, so every consumer connects the same way.
 */
import { registerSecret } from '../core/sanitize';
import { toInteger } from './coerce';
import { settingsError, throwIfProblems, type Lookup } from './sources';

export interface DbSettings {
  /** `postgres://user:password@host:port/database`; the password is registered with the sanitiser. */
  readonly connectionString: string;
  /** Which names it came from (for messages; never the value). */
  readonly source: 'DATABASE_URL' | 'PG_*' | 'PG*';
}

const FIELDS = ['HOST', 'PORT', 'DATABASE', 'USER', 'PASSWORD'] as const;
type Field = (typeof FIELDS)[number];

function readParts(lookup: Lookup, prefix: 'PG_' | 'PG'): Partial<Record<Field, string>> | undefined {
  const parts: Partial<Record<Field, string>> = {};
  for (const f of FIELDS) {
    const v = lookup(`${prefix}${f}`);
    if (v !== undefined) parts[f] = v;
  }
  return parts.HOST === undefined ? undefined : parts;
}

function fromParts(parts: Partial<Record<Field, string>>, prefix: 'PG_' | 'PG'): DbSettings {
  const missing = (['DATABASE', 'USER'] as const).filter((f) => parts[f] === undefined).map((f) => `${prefix}${f}`);
  const port = parts.PORT ?? '5432';
  const problems = toInteger(port) === undefined ? [`${prefix}PORT must be a port number`] : [];
  throwIfProblems(missing, problems);
  registerSecret(parts.PASSWORD);
  const auth = `${encodeURIComponent(parts.USER!)}${parts.PASSWORD === undefined ? '' : `:${encodeURIComponent(parts.PASSWORD)}`}`;
  const host = parts.HOST!.includes(':') ? `[${parts.HOST}]` : parts.HOST!;
  return Object.freeze({
    connectionString: `postgres://${auth}@${host}:${port}/${encodeURIComponent(parts.DATABASE!)}`,
    source: prefix === 'PG_' ? 'PG_*' : 'PG*',
  });
}

export function readDbSettings(lookup: Lookup): DbSettings {
  const url = lookup('DATABASE_URL');
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^postgres(ql)?:$/.test(parsed.protocol)) {
      throw settingsError([], ['DATABASE_URL must be a postgres:// or postgresql:// URL']);
    }
    registerSecret(url);
    if (parsed?.password) registerSecret(decodeURIComponent(parsed.password));
    return Object.freeze({ connectionString: url, source: 'DATABASE_URL' });
  }
  for (const prefix of ['PG_', 'PG'] as const) {
    const parts = readParts(lookup, prefix);
    if (parts) return fromParts(parts, prefix);
  }
  throw settingsError(['DATABASE_URL (or PG_HOST/PG_DATABASE/PG_USER/PG_PASSWORD, or PGHOST/PGDATABASE/PGUSER/PGPASSWORD)'], []);
}
