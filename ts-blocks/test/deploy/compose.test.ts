/**
 * docker-compose.yml, checked statically: the mistakes these rules catch are cheaper to see here than in the
 * minutes scripts/compose-e2e.sh takes to start the stack for real. Every check is also fed a broken document
 * (compose-checks.test.ts) to prove it can fail.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeModel } from './compose-model';
import {
  checkHealthDependencies,
  checkImagesPinned,
  checkInitSqlMounted,
  checkNoCredentialValues,
  checkOneNetwork,
  checkPortsOnLoopback,
  checkReadmePorts,
  checkSecretFilesIgnored,
  checkServiceNameHosts,
  checkStatefulVolumes,
} from './compose-checks';
import { checkMageService, checkPgAdmin, checkSandboxProfile } from './service-checks';
import { gitIgnores, loadYaml, markdownSection, readRepoFile, repoFileExists, repoPath } from './repo-files';

const MAGE_DATA_DIR = '/home/src/mage_data';

interface LintResult {
  readonly messages: ReadonlyArray<{ readonly rule: string; readonly message: string }>;
}
/** dclint ships as an ES module with a CommonJS build; this CommonJS test loads the latter. */
const { DCLinter } = require('dclint') as {
  DCLinter: new (config: object) => { lintFiles(paths: string[], recursive: boolean): LintResult[] };
};

/** Schema validation (the Compose specification's JSON schema) plus the lint rules that matter for safety. */
function lintCompose(path: string): string[] {
  const linter = new DCLinter({
    rules: {
      'no-build-and-image': 2,
      'no-duplicate-container-names': 2,
      'no-duplicate-exported-ports': 2,
      'no-quotes-in-volumes': 2,
      'no-unbound-port-interfaces': 2,
      'no-version-field': 2,
      'require-project-name-field': 2,
      'require-quotes-in-ports': [2, { quoteType: 'double' }],
      'service-container-name-regex': 2,
      'service-image-require-explicit-tag': 2,
      'top-level-properties-order': 2,
      'service-dependencies-alphabetical-order': 0,
      'service-keys-order': 0,
      'service-ports-alphabetical-order': 0,
      'services-alphabetical-order': 0,
    },
    quiet: true,
    debug: false,
    exclude: [],
  });
  return linter.lintFiles([path], false).flatMap((r) => r.messages.map((m) => `${m.rule}: ${m.message}`));
}

describe('docker-compose.yml', () => {
  const model = composeModel(loadYaml('docker-compose.yml'));

  it('is a valid Compose file by the Compose specification schema and passes the safety lint rules', () => {
    expect(lintCompose(repoPath('docker-compose.yml'))).toEqual([]);
  });

  it('runs mage, warehouse and pgadmin, plus the sandbox under its profile', () => {
    expect(model.services.map((s) => s.name).sort()).toEqual(['mage', 'pgadmin', 'sandbox', 'warehouse']);
    expect(model.services.filter((s) => s.profiles.length === 0).map((s) => s.name).sort()).toEqual([
      'mage',
      'pgadmin',
      'warehouse',
    ]);
  });

  it('puts every service on one user-defined network', () => {
    expect(checkOneNetwork(model)).toEqual([]);
  });

  it('addresses other services by service name only', () => {
    expect(checkServiceNameHosts(model)).toEqual([]);
  });

  it('pins every image to a version', () => {
    expect(checkImagesPinned(model)).toEqual([]);
  });

  it('holds no credential value in any environment entry, only *_FILE paths of Docker secrets', () => {
    expect(checkNoCredentialValues(model)).toEqual([]);
  });

  it('reads every Docker secret from a git-ignored file', () => {
    expect(model.secrets.size).toBeGreaterThan(0);
    expect(checkSecretFilesIgnored(model, gitIgnores)).toEqual([]);
  });

  it('keeps the state of every stateful service on a named volume', () => {
    expect(checkStatefulVolumes(model, MAGE_DATA_DIR)).toEqual([]);
  });

  it('mounts db/init into the PostgreSQL init directory', () => {
    expect(checkInitSqlMounted(model)).toEqual([]);
    expect(repoFileExists('db/init/001_schemas.sql')).toBe(true);
  });

  it('gives the PostgreSQL entrypoint only .sql files, which it runs in name order', () => {
    const files = readdirSync(repoPath('db/init'));
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => !/^\d{3}_[a-z0-9_]+\.sql$/.test(f))).toEqual([]);
  });

  it('starts Mage and pgAdmin only once the database is healthy', () => {
    expect(checkHealthDependencies(model)).toEqual([]);
  });

  it('publishes ports on 127.0.0.1 only', () => {
    expect(checkPortsOnLoopback(model)).toEqual([]);
  });

  it('runs Mage on 6789 with the working copy of the project mounted', () => {
    expect(checkMageService(model)).toEqual([]);
  });

  it('pre-registers the warehouse in pgAdmin by service name, port and user', () => {
    const servers = JSON.parse(readRepoFile('docker/pgadmin/servers.json'));
    expect(checkPgAdmin(model, servers)).toEqual([]);
  });

  it('runs the compiled local QBO sandbox from the same image under the sandbox profile', () => {
    expect(checkSandboxProfile(model, repoFileExists)).toEqual([]);
  });

  it('mounts only host paths that exist in the repository (or are created by the set-up script)', () => {
    // ${NAME:-default} mounts the default unless the operator sets NAME
    const sources = model.services.flatMap((s) => s.mounts.filter((m) => m.kind === 'bind').map((m) => m.source))
      .map((p) => p.replace(/^\$\{[A-Z_]+:-(.+)\}$/, '$1'));
    const createdBySetUp = readRepoFile('scripts/compose-secrets.sh');
    expect(sources.filter((p) => !repoFileExists(p) && !createdBySetUp.includes(`:-${p.replace(/^\.\//, '')}}`))).toEqual([]);
  });

  it('documents exactly the published ports in the Compose set-up (docs/deployment.md)', () => {
    const compose = markdownSection(readRepoFile('docs/deployment.md'), '# Deployment with Docker Compose');
    expect(compose).not.toBe('');
    expect(checkReadmePorts(model, compose)).toEqual([]);
  });
});

describe('the Compose lint', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'compose-lint-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rejects a file that breaks the Compose schema', () => {
    const file = join(dir, 'docker-compose.yml');
    writeFileSync(file, 'name: x\nservices:\n  db:\n    image: postgres:17.10\n    restart_policy: always\n');
    expect(lintCompose(file).join('\n')).toMatch(/invalid-schema/);
  });

  it('rejects an unpinned image and a port open on every interface', () => {
    const file = join(dir, 'docker-compose.yml');
    writeFileSync(file, 'name: x\nservices:\n  db:\n    image: postgres\n    ports:\n      - "5432:5432"\n');
    const messages = lintCompose(file).join('\n');
    expect(messages).toMatch(/service-image-require-explicit-tag/);
    expect(messages).toMatch(/no-unbound-port-interfaces/);
  });
});
