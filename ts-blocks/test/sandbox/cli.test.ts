/** `npm run sandbox`: one JSON line on stdout when ready, flags in kebab-case, clean stop on signals. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from '../../src/sandbox/cli-args';

const ROOT = join(__dirname, '..', '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

interface Running {
  child: ChildProcess;
  firstLine: Promise<string>;
  stdout: () => string;
  exit: Promise<number | null>;
}

function run(args: string[]): Running {
  const child = spawn(TSX, ['ts-blocks/src/sandbox/cli.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.on('exit', () => reject(new Error(`sandbox exited before printing its line; stdout: ${out}`)));
  });
  firstLine.catch(() => undefined);
  child.stderr?.resume();
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, firstLine, stdout: () => out, exit };
}

test.each(['SIGTERM', 'SIGINT'] as const)('prints exactly one JSON line with the six fields and stops on %s', async (signal) => {
  const sandbox = run(['--port', '0', '--seed', '4', '--customers', '30', '--items', '10', '--invoices', '200', '--latency-ms', '0', '--live-updates-per-min', '0']);
  const info = JSON.parse(await sandbox.firstLine);
  expect(Object.keys(info)).toEqual(['baseUrl', 'tokenUrl', 'realmId', 'clientId', 'clientSecret', 'refreshToken']);
  expect(info.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const discovery = (await (await fetch(`${info.baseUrl}/.well-known/openid_configuration`)).json()) as { token_endpoint: string };
  expect(discovery.token_endpoint).toBe(info.tokenUrl);
  sandbox.child.kill(signal);
  expect(await sandbox.exit).toBe(0);
  expect(sandbox.stdout().trim().split('\n')).toHaveLength(1);
});

test('an unknown flag is a usage error (exit 2) with nothing on stdout', async () => {
  const sandbox = run(['--port', '0', '--colour', 'red']);
  expect(await sandbox.exit).toBe(2);
  expect(sandbox.stdout()).toBe('');
});

test('flags map to the option names in kebab-case', () => {
  expect(
    parseArgs(['--port', '0', '--latency-ms=250', '--p-reset', '0.01', '--rotate-refresh-token', 'daily', '--script', '7:500,9:reset', '--live-updates-per-min', '6']),
  ).toEqual({
    port: 0,
    latencyMs: 250,
    pReset: 0.01,
    rotateRefreshToken: 'daily',
    script: [
      { request: 7, fault: '500' },
      { request: 9, fault: 'reset' },
    ],
    liveUpdatesPerMin: 6,
  });
  expect(parseArgs(['--script', '[{"request":2,"fault":"429"}]']).script).toEqual([{ request: 2, fault: '429' }]);
  expect(() => parseArgs(['--invoices', 'many'])).toThrow(/needs a number/);
});
