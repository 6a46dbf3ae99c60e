/** Reading the repository's deployment files for the deploy tests. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export function repoPath(path: string): string {
  return join(REPO_ROOT, path);
}

export function readRepoFile(path: string): string {
  return readFileSync(repoPath(path), 'utf8');
}

export function repoFileExists(path: string): boolean {
  return existsSync(repoPath(path));
}

export function loadYaml(path: string): unknown {
  return load(readRepoFile(path));
}

/** True when git ignores the path (relative to the repository root; a leading ./ is allowed). */
export function gitIgnores(path: string): boolean {
  try {
    execFileSync('git', ['check-ignore', '--quiet', '--no-index', path.replace(/^\.\//, '')], { cwd: REPO_ROOT });
    return true;
  } catch {
    return false;
  }
}

/** The text of a Markdown section: from its heading to the next heading of the same or a higher level. */
export function markdownSection(markdown: string, heading: string): string {
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) return '';
  const next = lines.findIndex((l, i) => i > start && new RegExp(`^#{1,${level}} `).test(l));
  return lines.slice(start, next < 0 ? undefined : next).join('\n');
}

/** The mage-ai version pinned in mage_project/requirements-mage.txt. */
export function magePin(): string {
  const m = /^mage-ai==(\S+)$/m.exec(readRepoFile('mage_project/requirements-mage.txt'));
  if (!m) throw new Error('mage_project/requirements-mage.txt does not pin mage-ai==<version>');
  return m[1];
}

/** The Node major version package.json's engines ask for (">=20" gives 20). */
export function nodeMajor(): number {
  const pkg = JSON.parse(readRepoFile('package.json')) as { engines?: { node?: string } };
  const m = /(\d+)/.exec(pkg.engines?.node ?? '');
  if (!m) throw new Error('package.json has no engines.node');
  return Number(m[1]);
}
