/**
 * The pinned Python QBO clients (scripts/client-venv.sh) for the tests that run them unchanged against the sandbox.
 * The venv is made ready when a test file loads, so a file can declare its tests skipped when it cannot be built:
 * only when the package index cannot be reached and nothing is cached, and never when CI=true.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT, runCommand, type CommandResult } from '../../src/demo/mage-cli';

const CLIENT_VENV_SH = join(PROJECT_ROOT, 'scripts', 'client-venv.sh');
/** scripts/client-venv.sh's exit code for "the package index cannot be reached". */
const INDEX_UNREACHABLE = 3;

export interface ClientVenv {
  readonly dir: string;
  /** Runs the venv's `program` (python, tap-quickbooks, …) with `args`, `input` on stdin. */
  run(program: string, args: readonly string[], input?: string, env?: NodeJS.ProcessEnv): Promise<CommandResult>;
}

let cached: ClientVenv | string | undefined;

/** Why the tests may skip after scripts/client-venv.sh exited `status`: only an unreachable index, never on CI. */
export function skipReason(status: number | null, stderrTail: string, ci: string | undefined): string | undefined {
  if (status !== INDEX_UNREACHABLE || ci === 'true') return undefined;
  return `skipped: the Python QBO clients are not installed and the package index cannot be reached (${stderrTail})`;
}

/** Runs scripts/client-venv.sh (synchronously: a test file decides at load time whether its tests run). */
export function buildClientVenv(env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderrTail: string } {
  const r = spawnSync(CLIENT_VENV_SH, [], { encoding: 'utf8', timeout: 20 * 60_000, env });
  return { status: r.status, stdout: r.stdout ?? '', stderrTail: (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ') };
}

/** The venv, or the reason it cannot be had here (a skip); throws when it should exist and does not. */
export function clientVenv(): ClientVenv | string {
  if (cached !== undefined) return cached;
  const r = buildClientVenv();
  const tail = r.stderrTail;
  const skip = skipReason(r.status, tail, process.env.CI);
  if (skip !== undefined) {
    cached = skip;
    return cached;
  }
  if (r.status !== 0) throw new Error(`scripts/client-venv.sh failed (exit ${r.status}): ${tail}`);
  const dir = r.stdout.trim().split('\n').pop() as string;
  cached = {
    dir,
    run: (program, args, input, env = {}) =>
      runCommand(join(dir, 'bin', program), args, { ...process.env, PYTHONUNBUFFERED: '1', ...env }, input),
  };
  return cached;
}

/** `test` when the venv is there, else `test.skip` after printing why. */
export function pythonTest(): jest.It {
  const venv = clientVenv();
  if (typeof venv === 'string') {
    console.warn(venv);
    return test.skip;
  }
  return test;
}

export const CLIENTS_DIR = __dirname;

/**
 * Python clients talk to the sandbox over plain http on loopback; oauthlib (under python-quickbooks and
 * tap-quickbooks) refuses http unless told this is not production.
 */
export const LOOPBACK_HTTP_ENV = { OAUTHLIB_INSECURE_TRANSPORT: '1' } as const;

/** Parses the JSON a client script printed, or fails naming the script's exit code and stderr tail. */
export function jsonOutput(what: string, r: CommandResult): any {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-15).join('\n')}`);
  return JSON.parse(r.stdout);
}
