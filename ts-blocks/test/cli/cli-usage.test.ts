/**
 * What the command line answers before anything runs: help per command, the version, and a flag given without its
 * value or with a negative one — each with its own message, and with --json an `error` line ending stdout.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../pipeline/run-node';
import { cli, workDir } from './helpers';

const dir = workDir('usage');
const env = { PATH: process.env.PATH ?? '', HOME: dir };
const run = (args: readonly string[]) => cli(args, env, dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const RANGE = ['run', '--entity', 'items', '--from', '2024-01-01', '--to', '2024-02-01'];

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines[lines.length - 1] ?? '';
}

describe('qbo-backfill help and version', () => {
  it.each([
    [['run', '--help'], /^Usage: qbo-backfill run --entity/, ['--chunk-days <n>', '--date-field <last_updated|txn_date>', '--no-resume', '--json']],
    [['report', '-h'], /^Usage: qbo-backfill report/, ['--run <run id>', '--latest', '--entity <invoices|customers|items>']],
    [['help', 'db'], /^Usage: qbo-backfill db init/, []],
    [['--help'], /^Usage:\n {2}qbo-backfill db init/, ['qbo-backfill <command> --help', 'qbo-backfill --version']],
  ])('%j prints that help on stdout and exits 0', async (args, start, flags) => {
    const out = await run(args);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(start);
    for (const flag of flags) expect(out.stdout).toContain(flag);
    expect(out.stderr).toBe('');
  });

  it('--version prints the package name and version and exits 0', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };
    const out = await run(['--version']);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`${pkg.name} ${pkg.version}\n`);
  });
});

describe('qbo-backfill flag values', () => {
  it.each([
    [['--chunk-days', '-1'], 'error: Invalid value: --chunk-days must be a positive number of days, e.g. 7 or 0.5 (got "-1").'],
    [['--page-size', '-5'], 'error: Invalid value: --page-size must be an integer from 1 to 1000 (got "-5").'],
  ])('a negative %j is judged by that flag\'s own rule (exit 2, the run help follows)', async (flag, message) => {
    const out = await run([...RANGE, ...flag]);
    expect(out.code).toBe(2);
    expect(out.stderr.split('\n')[0]).toBe(message);
    expect(out.stderr).toContain('Usage: qbo-backfill run');
    expect(out.stderr).not.toMatch(/ambiguous/);
  });

  it('a flag followed by another flag instead of its value says which value is missing (exit 2)', async () => {
    const out = await run(['run', '--entity', 'items', '--from', '--to', '2024-02-01']);
    expect(out.code).toBe(2);
    expect(out.stderr.split('\n')[0]).toMatch(/^error: --from needs a value: the start of the range, an ISO-8601 date or time \(without a zone: UTC\) \(e\.g\. --from 2024-01-01\); it is followed by --to\.$/);
    expect(out.stderr).not.toMatch(/ambiguous/);
  });

  it.each([
    [[...RANGE, '--chunk-days', '-1', '--json'], 'CONFIG_INVALID_VARIABLE'],
    [['run', '--entity', 'items', '--from', '--json'], 'CLI_USAGE'],
    [['report', '--run', 'x', '--latest', '--json'], 'CLI_USAGE'],
  ])('with --json, %j also ends stdout with an error line (exit 2)', async (args, code) => {
    const out = await run(args);
    expect(out.code).toBe(2);
    expect(JSON.parse(lastLine(out.stdout))).toMatchObject({ type: 'error', error: { kind: 'config', code } });
    expect(out.stderr).toMatch(/^error: /);
  });
});
