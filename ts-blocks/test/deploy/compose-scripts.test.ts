/**
 * The scripts that load and rotate the deployment's secrets, run for real against a stand-in for `docker compose`
 * that records each call (arguments and standard input) instead of reaching containers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeModel } from './compose-model';
import { envValue } from './compose-checks';
import { loadYaml, repoPath } from './repo-files';

const FAKE_COMPOSE = `#!/usr/bin/env bash
set -eu
n=$(( $(ls "$CALLS" | grep -c '\\.args$' || true) + 1 ))
printf '%s\\n' "$@" > "$CALLS/$n.args"
if [ "$1" = logs ]; then cat "$CALLS/../sandbox.log" 2>/dev/null || true; exit 0; fi
cat > "$CALLS/$n.stdin"
if [ -n "\${FAIL_ON:-}" ] && grep -qx -- "$FAIL_ON" "$CALLS/$n.args"; then exit 1; fi
`;

interface Call {
  readonly args: string[];
  readonly stdin: string;
}

describe('compose secrets scripts', () => {
  let dir: string;
  const calls = () => join(dir, 'calls');
  const secrets = () => join(dir, 'secrets');
  const password = () => readFileSync(join(secrets(), 'postgres_password'), 'utf8');

  function run(script: string, args: string[], input = '', env: Record<string, string> = {}) {
    return spawnSync('bash', [repoPath(script), ...args], {
      input,
      encoding: 'utf8',
      env: {
        ...process.env,
        QBO_DOCKER_COMPOSE: `bash ${join(dir, 'fake-compose')}`,
        QBO_COMPOSE_SECRETS_DIR: secrets(),
        CALLS: calls(),
        ...env,
      },
    });
  }

  function recorded(): Call[] {
    const n = readdirSync(calls()).filter((f) => f.endsWith('.args')).length;
    return Array.from({ length: n }, (_, i) => ({
      args: readFileSync(join(calls(), `${i + 1}.args`), 'utf8').trim().split('\n'),
      stdin: existsSync(join(calls(), `${i + 1}.stdin`)) ? readFileSync(join(calls(), `${i + 1}.stdin`), 'utf8') : '',
    }));
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'compose-scripts-'));
    execFileSync('mkdir', ['-p', calls()]);
    writeFileSync(join(dir, 'fake-compose'), FAKE_COMPOSE);
    execFileSync('bash', [repoPath('scripts/compose-secrets.sh')], { env: { ...process.env, QBO_COMPOSE_SECRETS_DIR: secrets() } });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads PG_* for the warehouse service into Mage Secrets on stdin, the password on no command line', () => {
    const r = run('scripts/compose-mage-secrets.sh', ['--postgres']);
    expect(r.status).toBe(0);
    const [call] = recorded();
    expect(call.args).toEqual(
      'exec -T mage python scripts/mage-secrets.py load --stdin PG_HOST PG_PORT PG_DATABASE PG_USER PG_PASSWORD'.split(' '),
    );
    expect(call.stdin).toBe(`PG_HOST=warehouse\nPG_PORT=5432\nPG_DATABASE=qbo\nPG_USER=qbo\nPG_PASSWORD=${password()}\n`);
    expect(r.stdout + r.stderr).not.toContain(password());
  });

  it('loads the values the warehouse service of docker-compose.yml really uses', () => {
    run('scripts/compose-mage-secrets.sh', ['--postgres']);
    const values = Object.fromEntries(recorded()[0].stdin.trim().split('\n').map((l) => l.split('=')));
    const warehouse = composeModel(loadYaml('docker-compose.yml')).services.find((s) => s.name === values.PG_HOST);
    expect(warehouse).toBeDefined();
    expect(envValue(warehouse!, 'POSTGRES_DB')).toBe(values.PG_DATABASE);
    expect(envValue(warehouse!, 'POSTGRES_USER')).toBe(values.PG_USER);
    expect(warehouse!.secrets).toContain('postgres_password');
    expect(values.PG_PORT).toBe('5432');
  });

  it('passes QBO_* lines from its stdin through to Mage Secrets with --stdin', () => {
    const r = run('scripts/compose-mage-secrets.sh', ['--stdin'], 'QBO_REALM_ID=123\n');
    expect(r.status).toBe(0);
    const qbo = recorded()[1];
    expect(qbo.args.slice(-6)).toEqual(['--stdin', 'QBO_CLIENT_ID', 'QBO_CLIENT_SECRET', 'QBO_REALM_ID', 'QBO_REFRESH_TOKEN', 'QBO_ENV']);
    expect(qbo.stdin).toBe('QBO_REALM_ID=123\n');
  });

  it('points the QBO secrets at the sandbox service by name with --sandbox, in the form the loader parses', () => {
    const printed = {
      baseUrl: 'http://0.0.0.0:8081/v3',
      tokenUrl: 'http://0.0.0.0:8081/oauth2/v1/tokens/bearer',
      realmId: '9130350000000001',
      clientId: 'ABclient',
      clientSecret: 'sandbox-secret',
      refreshToken: 'RT1-123-H0-1700000000abc',
    };
    writeFileSync(join(dir, 'sandbox.log'), `listening\n${JSON.stringify(printed)}\n`);
    const r = run('scripts/compose-mage-secrets.sh', ['--sandbox']);
    expect(r.status).toBe(0);
    const load = recorded().find((c) => c.args.includes('scripts/mage-sandbox-secrets.py'));
    const parse = [
      'import importlib.util, json, sys',
      "spec = importlib.util.spec_from_file_location('m', sys.argv[1])",
      'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
      'v = m.secrets_from(json.loads(sys.stdin.readline()))',
      "print(json.dumps({k: v[k] for k in ('QBO_API_BASE_URL', 'QBO_TOKEN_URL', 'QBO_ENV', 'PG_HOST', 'PG_PORT', 'PG_USER')}))",
      "print(v['PG_PASSWORD'] == open(sys.argv[2]).read())",
    ].join('\n');
    const out = execFileSync('python3', ['-c', parse, repoPath('scripts/mage-sandbox-secrets.py'), join(secrets(), 'postgres_password')], {
      input: load?.stdin,
      encoding: 'utf8',
    }).split('\n');
    expect(JSON.parse(out[0])).toEqual({
      QBO_API_BASE_URL: 'http://sandbox:8081/v3',
      QBO_TOKEN_URL: 'http://sandbox:8081/oauth2/v1/tokens/bearer',
      QBO_ENV: 'sandbox',
      PG_HOST: 'warehouse',
      PG_PORT: '5432',
      PG_USER: 'qbo',
    });
    expect(out[1]).toBe('True');
  });

  it('says how to start the sandbox when it has printed no credentials', () => {
    const r = run('scripts/compose-mage-secrets.sh', ['--sandbox']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--profile sandbox up/);
  });

  it('rotates the role, PG_PASSWORD and the secrets file to one new value, printed nowhere', () => {
    const old = password();
    const r = run('scripts/compose-rotate-postgres-password.sh', []);
    expect(r.status).toBe(0);
    const fresh = password();
    expect(fresh).toMatch(/^[0-9a-f]{48}$/);
    expect(fresh).not.toBe(old);
    const [psql, mage] = recorded();
    expect(psql.args.slice(0, 4)).toEqual(['exec', '-T', 'warehouse', 'psql']);
    expect(psql.stdin).toBe(`ALTER ROLE qbo PASSWORD '${fresh}';\n`);
    expect(mage.stdin).toBe(`PG_PASSWORD=${fresh}\n`);
    expect([...psql.args, ...mage.args, r.stdout, r.stderr].join(' ')).not.toContain(fresh);
    expect(existsSync(join(secrets(), 'postgres_password.new'))).toBe(false);
  });

  it('keeps the new value beside the old one, and says what to do, when Mage Secrets cannot be updated', () => {
    const old = password();
    const r = run('scripts/compose-rotate-postgres-password.sh', [], '', { FAIL_ON: 'scripts/mage-secrets.py' });
    expect(r.status).toBe(1);
    expect(password()).toBe(old);
    const pending = readFileSync(join(secrets(), 'postgres_password.new'), 'utf8');
    expect(recorded()[0].stdin).toBe(`ALTER ROLE qbo PASSWORD '${pending}';\n`);
    expect(r.stderr).toMatch(/Mage Secrets still hold the old one/);
    expect(run('scripts/compose-rotate-postgres-password.sh', []).stderr).toMatch(/did not finish/);
  });

  it('changes nothing when the database refuses the new password', () => {
    const old = password();
    const r = run('scripts/compose-rotate-postgres-password.sh', [], '', { FAIL_ON: 'psql' });
    expect(r.status).toBe(1);
    expect(password()).toBe(old);
    expect(existsSync(join(secrets(), 'postgres_password.new'))).toBe(false);
    expect(recorded()).toHaveLength(1);
  });
});
