/**
 * The `sandbox` service of docker-compose.yml, exercised outside Docker: its exact command (with a free loopback
 * port instead of the container's 0.0.0.0:8081) starts the compiled sandbox, which prints the credentials line
 * that scripts/compose-mage-secrets.sh --sandbox turns into Mage Secrets pointing at `sandbox:8081`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { composeModel } from './compose-model';
import { fakeCompose, sandboxSecretsParsed } from './fake-compose';
import { REPO_ROOT, loadYaml, repoFileExists } from './repo-files';

/** The service's command with `--host` and `--port` values replaced. */
function localCommand(command: readonly string[], host: string, port: string): string[] {
  return command.map((arg, i) => (command[i - 1] === '--host' ? host : command[i - 1] === '--port' ? port : arg));
}

function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no line on stdout within ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited (${code}) before printing its line`)));
  });
}

describe('the sandbox service', () => {
  const sandbox = composeModel(loadYaml('docker-compose.yml')).services.find((s) => s.name === 'sandbox');
  let child: ChildProcess | undefined;

  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('runs the compiled sandbox, whose credentials line becomes Mage Secrets for sandbox:8081', async () => {
    expect(sandbox).toBeDefined();
    expect(sandbox!.command).toContain('--host');
    expect(repoFileExists(sandbox!.command[1])).toBe(true);
    const [program, ...args] = localCommand(sandbox!.command, '127.0.0.1', '0');
    child = spawn(program, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    const line = await firstLine(child, 20_000);
    const printed = JSON.parse(line) as Record<string, string>;
    expect(Object.keys(printed).sort()).toEqual(['baseUrl', 'clientId', 'clientSecret', 'realmId', 'refreshToken', 'tokenUrl']);

    const fake = fakeCompose();
    try {
      fake.setSandboxLog(`QBO sandbox ready\n${line}\n`);
      expect(fake.run('scripts/compose-mage-secrets.sh', ['--sandbox']).status).toBe(0);
      const load = fake.calls().find((c) => c.args.includes('scripts/mage-sandbox-secrets.py'));
      const parsed = sandboxSecretsParsed(load?.stdin ?? '', join(fake.secretsDir, 'postgres_password'));
      expect(parsed.values.QBO_API_BASE_URL).toBe(printed.baseUrl.replace(/^http:\/\/[^/]+/, 'http://sandbox:8081'));
      expect(parsed.values.QBO_TOKEN_URL).toBe(printed.tokenUrl.replace(/^http:\/\/[^/]+/, 'http://sandbox:8081'));
      expect(parsed.values.PG_HOST).toBe('warehouse');
      expect(parsed.passwordMatches).toBe(true);
    } finally {
      fake.remove();
    }

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
