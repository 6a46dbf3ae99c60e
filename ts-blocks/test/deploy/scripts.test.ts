/**
 * The shell pieces of the deployment, run for real outside Docker: the script that creates the Docker secrets
 * files, and the image's entrypoint that turns the Mage owner password file into Mage's variable.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from './repo-files';

describe('the Compose scripts', () => {
  it('are executable, as the README runs them (scripts/compose-….sh)', () => {
    const scripts = ['compose-secrets.sh', 'compose-mage-secrets.sh', 'compose-rotate-postgres-password.sh'];
    for (const s of scripts) expect(statSync(repoPath(`scripts/${s}`)).mode & 0o111).toBe(0o111);
  });
});

describe('scripts/compose-secrets.sh', () => {
  let dir: string;
  const secretsDir = () => join(dir, 'secrets');
  const reportsDir = () => join(dir, 'reports');
  const run = () =>
    execFileSync('bash', [repoPath('scripts/compose-secrets.sh')], {
      env: { ...process.env, QBO_COMPOSE_SECRETS_DIR: secretsDir(), QBO_COMPOSE_EVIDENCE_DIR: reportsDir() },
      encoding: 'utf8',
    });
  const values = () =>
    Object.fromEntries(readdirSync(secretsDir()).map((f) => [f, readFileSync(join(secretsDir(), f), 'utf8')]));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'compose-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates one distinct random password per Docker secret of docker-compose.yml, and never prints them', () => {
    const out = run();
    const created = values();
    expect(Object.keys(created).sort()).toEqual(['mage_owner_password', 'pgadmin_password', 'postgres_password']);
    for (const v of Object.values(created)) {
      expect(v).toMatch(/^[0-9a-f]{48}$/);
      expect(out).not.toContain(v);
    }
    expect(new Set(Object.values(created)).size).toBe(3);
  });

  it('keeps existing files, so the database password does not drift from the initialised volume', () => {
    run();
    const first = values();
    writeFileSync(join(secretsDir(), 'postgres_password'), 'chosen-by-operator');
    const out = run();
    expect(values()).toEqual({ ...first, postgres_password: 'chosen-by-operator' });
    expect(out).toMatch(/kept\s+\S+postgres_password/);
  });

  it('locks the directory to its owner and leaves only pgAdmin’s file readable by the container user', () => {
    run();
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(secretsDir())).toBe(0o700);
    expect(mode(join(secretsDir(), 'postgres_password'))).toBe(0o600);
    expect(mode(join(secretsDir(), 'mage_owner_password'))).toBe(0o600);
    expect(mode(join(secretsDir(), 'pgadmin_password'))).toBe(0o644);
  });

  it('creates the folder the mage service writes its reports into, owned by the user who runs it', () => {
    const out = run();
    expect(statSync(reportsDir()).isDirectory()).toBe(true);
    expect(statSync(reportsDir()).uid).toBe(process.getuid?.());
    expect(out).toContain(reportsDir());
  });

  it('puts that folder where docker-compose.yml mounts it by default: .run/compose/evidencias, git-ignored', () => {
    const compose = readFileSync(repoPath('docker-compose.yml'), 'utf8');
    expect(compose).toContain('${QBO_COMPOSE_EVIDENCE_DIR:-./.run/compose/evidencias}:/home/src/evidencias');
    expect(readFileSync(repoPath('scripts/compose-secrets.sh'), 'utf8')).toContain('${QBO_COMPOSE_EVIDENCE_DIR:-.run/compose/evidencias}');
    expect(readFileSync(repoPath('.gitignore'), 'utf8').split('\n')).toContain('.run/');
  });
});

describe('docker/entrypoint.sh', () => {
  let dir: string;
  const entrypoint = repoPath('docker/entrypoint.sh');
  const show = ['sh', '-c', 'printf "%s|%s" "${DEFAULT_OWNER_PASSWORD:-unset}" "${DEFAULT_OWNER_PASSWORD_FILE:-unset}"'];
  const run = (env: Record<string, string>) =>
    spawnSync('sh', [entrypoint, ...show], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'entrypoint-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports the password read from the secret file to the command and drops the _FILE variable', () => {
    const file = join(dir, 'owner');
    writeFileSync(file, 'f00dcafe');
    const r = run({ DEFAULT_OWNER_PASSWORD_FILE: file });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('f00dcafe|unset');
  });

  it('runs the command unchanged when no password file is configured (the sandbox service)', () => {
    const r = run({});
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('unset|unset');
  });

  it('refuses to start, naming the set-up script, when the secret file is missing or empty', () => {
    const missing = run({ DEFAULT_OWNER_PASSWORD_FILE: join(dir, 'absent') });
    expect(missing.status).toBe(78);
    expect(missing.stderr).toMatch(/scripts\/compose-secrets\.sh/);
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    const r = run({ DEFAULT_OWNER_PASSWORD_FILE: empty });
    expect(r.status).toBe(78);
    expect(r.stdout).toBe('');
  });
});
