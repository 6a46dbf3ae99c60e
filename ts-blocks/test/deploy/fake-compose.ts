/**
 * A fake `docker compose` (selected through QBO_DOCKER_COMPOSE) that records each call's arguments and
 * standard input in a directory instead of reaching containers. `logs` prints `<dir>/sandbox.log`; a call whose
 * arguments include the line FAIL_ON exits 1.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from './repo-files';

const SCRIPT = `#!/usr/bin/env bash
set -eu
n=$(( $(ls "$CALLS" | grep -c '\\.args$' || true) + 1 ))
printf '%s\\n' "$@" > "$CALLS/$n.args"
failing() { [ -n "\${FAIL_ON:-}" ] && grep -qx -- "$FAIL_ON" "$CALLS/$n.args"; }
if grep -qx logs "$CALLS/$n.args"; then
  if failing; then echo "no such service" >&2; exit 1; fi
  cat "$CALLS/../sandbox.log" 2>/dev/null || true; exit 0
fi
cat > "$CALLS/$n.stdin"
if failing; then exit 1; fi
`;

export interface Call {
  readonly args: string[];
  readonly stdin: string;
}

export interface FakeCompose {
  readonly dir: string;
  /** The Docker secrets directory, filled by the real scripts/compose-secrets.sh. */
  readonly secretsDir: string;
  postgresPassword(): string;
  /** What `docker compose logs sandbox` prints. */
  setSandboxLog(text: string): void;
  run(script: string, args: string[], input?: string, env?: Record<string, string>): SpawnSyncReturns<string>;
  calls(): Call[];
  remove(): void;
}

export function fakeCompose(): FakeCompose {
  const dir = mkdtempSync(join(tmpdir(), 'fake-compose-'));
  const callsDir = join(dir, 'calls');
  const secretsDir = join(dir, 'secrets');
  mkdirSync(callsDir);
  writeFileSync(join(dir, 'fake-compose'), SCRIPT);
  execFileSync('bash', [repoPath('scripts/compose-secrets.sh')], {
    env: { ...process.env, QBO_COMPOSE_SECRETS_DIR: secretsDir, QBO_COMPOSE_EVIDENCE_DIR: join(dir, 'evidencias') },
  });
  const file = (n: number, ext: string) => join(callsDir, `${n}.${ext}`);
  return {
    dir,
    secretsDir,
    postgresPassword: () => readFileSync(join(secretsDir, 'postgres_password'), 'utf8'),
    setSandboxLog: (text) => writeFileSync(join(dir, 'sandbox.log'), text),
    run: (script, args, input = '', env = {}) =>
      spawnSync('bash', [repoPath(script), ...args], {
        input,
        encoding: 'utf8',
        env: {
          ...process.env,
          QBO_DOCKER_COMPOSE: `bash ${join(dir, 'fake-compose')}`,
          QBO_COMPOSE_SECRETS_DIR: secretsDir,
          CALLS: callsDir,
          ...env,
        },
      }),
    calls: () =>
      Array.from({ length: readdirSync(callsDir).filter((f) => f.endsWith('.args')).length }, (_, i) => ({
        args: readFileSync(file(i + 1, 'args'), 'utf8').trim().split('\n'),
        stdin: existsSync(file(i + 1, 'stdin')) ? readFileSync(file(i + 1, 'stdin'), 'utf8') : '',
      })),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** What scripts/mage-sandbox-secrets.py would store for a JSON line (the non-secret values, and whether
 * PG_PASSWORD equals `passwordFile`), computed by the script's own parser. */
export function sandboxSecretsParsed(jsonLine: string, passwordFile: string): { values: Record<string, string>; passwordMatches: boolean } {
  const parse = [
    'import importlib.util, json, sys',
    "spec = importlib.util.spec_from_file_location('m', sys.argv[1])",
    'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
    'v = m.secrets_from(json.loads(sys.stdin.readline()))',
    "print(json.dumps({k: v[k] for k in ('QBO_API_BASE_URL', 'QBO_TOKEN_URL', 'QBO_ENV', 'PG_HOST', 'PG_PORT', 'PG_USER')}))",
    "print(v['PG_PASSWORD'] == open(sys.argv[2]).read())",
  ].join('\n');
  const out = execFileSync('python3', ['-c', parse, repoPath('scripts/mage-sandbox-secrets.py'), passwordFile], {
    input: jsonLine,
    encoding: 'utf8',
  }).split('\n');
  return { values: JSON.parse(out[0]) as Record<string, string>, passwordMatches: out[1] === 'True' };
}
