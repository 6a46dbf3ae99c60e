/**
 * The CLI's configuration: the process environment, completed by a git-ignored `.env` (never overriding what the
 * environment already says) and checked with dotenv-safe against the committed `.env.example`, so a missing
 * setting is reported by name before anything runs. Values are never printed. `.env` is read from the current
 * directory; `.env.example` from there or, failing that, from the installed project.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import dotenvSafe from 'dotenv-safe';
import { ConfigError } from '../core/errors';
import { REPO_ROOT } from '../config/paths';

export interface EnvFiles {
  /** Where `.env` is looked for (default: the current directory, as dotenv does). */
  readonly envPath?: string;
  readonly examplePath?: string;
}

/**
 * Names .env.example lists that may stay unset: they have defaults (Intuit's endpoints, QBO_ENV, the minor
 * version), or, for DATABASE_URL, the libpq or Mage-style variables say where the database is.
 */
const OPTIONAL = new Set(['QBO_ENV', 'QBO_API_BASE_URL', 'QBO_TOKEN_URL', 'QBO_MINOR_VERSION']);

function reallyMissing(missing: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const dbElsewhere = Boolean(env.PGHOST || env.PG_HOST);
  return missing.filter((name) => !OPTIONAL.has(name) && !(name === 'DATABASE_URL' && dbElsewhere));
}

function firstExisting(paths: readonly string[]): string | undefined {
  return paths.find((p) => existsSync(p));
}

export function envFiles(cwd: string, files: EnvFiles = {}): { envPath: string; examplePath: string | undefined } {
  const envPath = files.envPath ?? join(cwd, '.env');
  const examplePath = files.examplePath ?? firstExisting([join(cwd, '.env.example'), join(REPO_ROOT, '.env.example')]);
  return { envPath, examplePath };
}

/**
 * Loads `.env` into `process.env` and, when `strict`, fails with one ConfigError naming every setting that
 * `.env.example` lists and neither the environment nor `.env` defines.
 */
export function loadEnv(cwd: string, strict: boolean, files: EnvFiles = {}): NodeJS.ProcessEnv {
  const { envPath, examplePath } = envFiles(cwd, files);
  if (!examplePath) {
    if (strict) {
      throw new ConfigError('No .env.example found beside the project: it lists the settings the CLI needs.', {
        code: 'CONFIG_NO_ENV_EXAMPLE',
      });
    }
    return process.env;
  }
  try {
    dotenvSafe.config({ path: envPath, example: examplePath, allowEmptyValues: true, quiet: true } as dotenvSafe.DotenvSafeOptions);
  } catch (e) {
    const listed = (e as { missing?: unknown }).missing;
    if (!Array.isArray(listed)) throw e;
    const missing = reallyMissing(listed as string[], process.env);
    if (strict && missing.length > 0) {
      throw new ConfigError(
        `Missing settings: ${missing.join(', ')}. Set them in the environment or in ${envPath} (see ${examplePath}).`,
        { code: 'CONFIG_MISSING_SETTING', context: { missing } },
      );
    }
  }
  return process.env;
}
