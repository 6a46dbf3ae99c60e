/**
 * The scripts that load and rotate the deployment's secrets, run for real against a stand-in for `docker compose`
 * that records each call (arguments and standard input) instead of reaching containers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeModel } from './compose-model';
import { envValue } from './compose-checks';
import { fakeCompose, sandboxSecretsParsed, type FakeCompose } from './fake-compose';
import { loadYaml } from './repo-files';

describe('compose secrets scripts', () => {
  let fake: FakeCompose;
  const password = () => fake.postgresPassword();
  const run = (script: string, args: string[], input = '', env: Record<string, string> = {}) =>
    fake.run(script, args, input, env);
  const recorded = () => fake.calls();
  const secrets = () => fake.secretsDir;

  beforeEach(() => {
    fake = fakeCompose();
  });
  afterEach(() => fake.remove());

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
    fake.setSandboxLog(`QBO sandbox ready\n${JSON.stringify(printed)}\n`);
    const r = run('scripts/compose-mage-secrets.sh', ['--sandbox']);
    expect(r.status).toBe(0);
    const load = recorded().find((c) => c.args.includes('scripts/mage-sandbox-secrets.py'));
    const parsed = sandboxSecretsParsed(load?.stdin ?? '', join(secrets(), 'postgres_password'));
    expect(parsed.values).toEqual({
      QBO_API_BASE_URL: 'http://sandbox:8081/v3',
      QBO_TOKEN_URL: 'http://sandbox:8081/oauth2/v1/tokens/bearer',
      QBO_ENV: 'sandbox',
      PG_HOST: 'warehouse',
      PG_PORT: '5432',
      PG_USER: 'qbo',
    });
    expect(parsed.passwordMatches).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(password());
  });

  it('says how to start the sandbox when it has printed no credentials', () => {
    const r = run('scripts/compose-mage-secrets.sh', ['--sandbox']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/`sandbox` service \(profile `sandbox`\) has printed no credentials/);
    expect(r.stderr).toMatch(/--profile sandbox up/);
  });

  it('enables the sandbox profile itself when it reads the sandbox service\'s credentials', () => {
    fake.setSandboxLog('{"baseUrl":"http://0.0.0.0:8081/v3","refreshToken":"RT1"}\n');
    run('scripts/compose-mage-secrets.sh', ['--sandbox'], '', { COMPOSE_PROFILES: '' });
    expect(recorded()[0].args).toEqual(['--profile', 'sandbox', 'logs', '--no-color', '--no-log-prefix', 'sandbox']);
  });

  it('says what failed, and no credential, when the sandbox service\'s logs cannot be read', () => {
    const r = run('scripts/compose-mage-secrets.sh', ['--sandbox'], '', { FAIL_ON: 'logs' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/could not read the logs of the `sandbox` service/);
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
