/** `qbo-backfill --version`: the package's name and version, read from its package.json. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../config/paths';

const PACKAGE_JSON = join(REPO_ROOT, 'package.json');

export function versionLine(path: string = PACKAGE_JSON): string {
  const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
  if (typeof pkg.name !== 'string' || typeof pkg.version !== 'string') throw new Error(`${path} has no name and version.`);
  return `${pkg.name} ${pkg.version}`;
}
