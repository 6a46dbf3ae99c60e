/**
 * scripts/mage.sh's defaults, run for real with a stand-in venv (QBO_MAGE_VENV) whose `mage` and `python` print
 * what they were started with: the address `start` listens on, the umask everything Mage writes gets, the modes of
 * Mage's database and secrets key, and where local runs put their reports.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from './repo-files';

let dir: string;
const REPORT = 'printf "args=%s\\numask=%s\\nevidence=%s\\n" "$*" "$(umask)" "$QBO_EVIDENCE_DIR"';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mage-sh-'));
  const venv = join(dir, 'venv');
  mkdirSync(join(venv, 'bin'), { recursive: true });
  for (const tool of ['mage', 'python']) writeFileSync(join(venv, 'bin', tool), `#!/bin/sh\n${REPORT}\n`, { mode: 0o755 });
  writeFileSync(join(venv, '.complete'), '');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mageSh(args: string[], env: Record<string, string> = {}): Record<string, string> {
  const result = spawnSync('bash', [repoPath('scripts/mage.sh'), ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, QBO_MAGE_VENV: join(dir, 'venv'), MAGE_DATA_DIR: join(dir, 'data'), ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`scripts/mage.sh ${args.join(' ')} failed: ${result.stderr}`);
  return Object.fromEntries(result.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe('scripts/mage.sh start', () => {
  it('listens on 127.0.0.1 unless told otherwise', () => {
    expect(mageSh(['start', '--port', '7001']).args).toBe(`start ${repoPath('mage_project')} --host 127.0.0.1 --port 7001`);
  });

  it('listens where QBO_MAGE_HOST or an explicit --host says', () => {
    expect(mageSh(['start'], { QBO_MAGE_HOST: '0.0.0.0' }).args).toMatch(/ --host 0\.0\.0\.0$/);
    expect(mageSh(['start', '--host', '192.0.2.9']).args).toMatch(/mage_project --host 192\.0\.2\.9$/);
    expect(mageSh(['start', '--host=192.0.2.9']).args).toMatch(/mage_project --host=192\.0\.2\.9$/);
  });
});

describe('what Mage and the blocks write under scripts/mage.sh', () => {
  it('is private to the user: umask 077 for every command', () => {
    for (const cmd of [['start'], ['run', 'qb_items_backfill'], ['rerun', 'qb_items_backfill'], ['python']]) {
      expect(mageSh(cmd).umask).toBe('0077');
    }
  });

  it('makes the data dir 0700 and an existing Mage database and secrets key 0600', () => {
    const data = join(dir, 'data');
    mkdirSync(join(data, 'mage_project'), { recursive: true });
    mkdirSync(join(data, 'secrets'), { recursive: true });
    writeFileSync(join(data, 'mage_project', 'mage-ai.db'), '', { mode: 0o644 });
    writeFileSync(join(data, 'secrets', 'key'), '', { mode: 0o644 });
    chmodSync(data, 0o755);
    chmodSync(join(data, 'secrets'), 0o755);
    mageSh(['python']);
    const mode = (p: string) => statSync(join(data, p)).mode & 0o777;
    expect([mode(''), mode('secrets'), mode('secrets/key'), mode('mage_project/mage-ai.db')]).toEqual([0o700, 0o700, 0o600, 0o600]);
  });

  it('sends local runs\' reports to .run/evidencias, never the committed evidencias/, unless QBO_EVIDENCE_DIR says', () => {
    expect(mageSh(['run', 'qb_items_backfill']).evidence).toBe(repoPath('.run/evidencias'));
    expect(mageSh(['start'], { QBO_EVIDENCE_DIR: join(dir, 'ev') }).evidence).toBe(join(dir, 'ev'));
  });
});

/** A Mage data dir as Mage leaves it with umask 022: database and secrets key 0644. */
function openDataDir(name: string): { data: string; modes: () => number[] } {
  const data = join(dir, name);
  mkdirSync(join(data, 'mage_project'), { recursive: true });
  mkdirSync(join(data, 'secrets', 'projects'), { recursive: true });
  writeFileSync(join(data, 'mage_project', 'mage-ai.db'), '', { mode: 0o644 });
  writeFileSync(join(data, 'secrets', 'key'), '', { mode: 0o644 });
  for (const d of ['', 'secrets', 'secrets/projects']) chmodSync(join(data, d), 0o755);
  const mode = (p: string) => statSync(join(data, p)).mode & 0o777;
  return { data, modes: () => ['', 'secrets', 'secrets/projects', 'secrets/key', 'mage_project/mage-ai.db'].map(mode) };
}
const PRIVATE = [0o700, 0o700, 0o700, 0o600, 0o600];

describe('Mage\'s database and secrets key outside scripts/mage.sh', () => {
  it('are made owner-only by the Docker image\'s entrypoint at each start', () => {
    const { data, modes } = openDataDir('image-data');
    const r = spawnSync('sh', [repoPath('docker/entrypoint.sh'), 'true'], { env: { PATH: process.env.PATH ?? '', MAGE_DATA_DIR: data }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(modes()).toEqual(PRIVATE);
  });

  it('are made owner-only by the secrets tools and the bridge once they have stored a secret (mage_secrets.py)', () => {
    const { data, modes } = openDataDir('tool-data');
    const code = 'import sys; sys.path.insert(0, sys.argv[1]); from mage_project.utils import mage_secrets; mage_secrets.make_data_files_private()';
    const r = spawnSync('python3', ['-c', code, repoPath('')], { env: { PATH: process.env.PATH ?? '', MAGE_DATA_DIR: data }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(modes()).toEqual(PRIVATE);
  });
});

describe('scripts/mage.sh rerun', () => {
  it('runs scripts/mage-rerun.py with the venv\'s Python', () => {
    expect(mageSh(['rerun', 'qb_items_backfill', '--trigger', 'items_backfill_once']).args).toBe(
      `${repoPath('scripts/mage-rerun.py')} qb_items_backfill --trigger items_backfill_once`,
    );
  });

  /** mage-rerun.py's follow() over scripted snapshots of the run, with a clock that advances 10 s per poll. */
  function follow(states: Array<{ status: string; blocks: Record<string, string> }>): { result: string; printed: string[] } {
    const code = `
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location('rerun', sys.argv[1] + '/scripts/mage-rerun.py')
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
states = json.loads(sys.argv[2]); now = [0.0]; printed = []
def snapshot(run_id):
    return states[min(int(now[0] // 10), len(states) - 1)]
def sleep(s):
    now[0] += 10
result = m.follow(7, 60, printed.append, snapshot=snapshot, clock=lambda: now[0], sleep=sleep)
print(json.dumps({'result': result, 'printed': printed}))`;
    const r = spawnSync('python3', ['-c', code, repoPath(''), JSON.stringify(states)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as { result: string; printed: string[] };
  }

  it('follows the run to its end, and gives up past the pickup timeout on a run never started or started without blocks', () => {
    const done = follow([
      { status: 'initial', blocks: {} },
      { status: 'running', blocks: { qb_items_loader: 'running' } },
      { status: 'completed', blocks: { qb_items_loader: 'completed' } },
    ]);
    expect(done).toEqual({ result: 'completed', printed: ['  qb_items_loader: running', '  qb_items_loader: completed'] });
    expect(follow([{ status: 'initial', blocks: {} }]).result).toBe('not started');
    // Taken by the scheduler, but no block run created in 60 s: Mage stalled (seen once under load).
    expect(follow([{ status: 'initial', blocks: {} }, { status: 'running', blocks: {} }]).result).toBe('stalled');
    // A long block is not a stall.
    const long = follow([...Array(20).fill({ status: 'running', blocks: { qb_items_loader: 'running' } }), { status: 'completed', blocks: {} }]);
    expect(long.result).toBe('completed');
  });
});
