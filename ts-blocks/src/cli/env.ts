/**
 * The CLI's configuration: the process environment, completed by a git-ignored `.env` (never overriding what the
 * environment already says) and checked with dotenv-safe against the committed `.env.example`, so a missing
 * setting is reported by name before anything runs. Values are never printed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import dotenvSafe from 'dotenv-safe';
import { ConfigError } from '../core/errors';
import { REPO_ROOT } from '../config/paths';

export interface EnvFiles {
  /** Where `.env` is looked for (default: the current directory, then the repository root). */
  readonly envPath?: string;
  readonly examplePath?: string;
}

function firstExisting(paths: readonly string[]): string | undefined {
  return paths.find((p) => existsSync(p));
}

export function envFiles(cwd: string, files: EnvFiles = {}): { envPath: string; examplePath: string | undefined } {
  const envPath = files.envPath ?? firstExisting([join(cwd, '.env'), join(REPO_ROOT, '.env')]) ?? join(cwd, '.env');
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
    const missing = (e as { missing?: unknown }).missing;
    if (strict && Array.isArray(missing)) {
      throw new ConfigError(
        `Missing settings: ${missing.join(', ')}. Set them in the environment or in ${envPath} (see ${examplePath}).`,
        { code: 'CONFIG_MISSING_SETTING', context: { missing } },
      );
    }
    if (!Array.isArray(missing)) throw e;
  }
  return process.env;
}
