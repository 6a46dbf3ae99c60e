/**
 * Running Mage for this project from Node (the demo, the tests, the evidence script): every call goes through
 * `scripts/mage.sh`, which selects the pinned mage-ai venv (created once by scripts/mage-venv.sh) and the data dir.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (the directory holding mage_project/ and ts-blocks/), from src/ or dist/ alike. */
export const PROJECT_ROOT = resolve(__dirname, '..', '..', '..');
export const MAGE_SH = resolve(PROJECT_ROOT, 'scripts', 'mage.sh');
export const MAGE_VENV_SH = resolve(PROJECT_ROOT, 'scripts', 'mage-venv.sh');
export const DEFAULT_MAGE_DATA_DIR = resolve(PROJECT_ROOT, '.run', 'mage_data');

export interface MageOptions {
  /** MAGE_DATA_DIR: Mage's DB, logs, block outputs and the secrets key. */
  readonly dataDir: string;
  /** Extra environment for Mage and the blocks it runs. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Mage's state and caches inside a project directory: never copied. */
const MAGE_STATE = /\/(\.logs|\.variables|\.file_versions|\.cache|\.ssh_tunnel|\.mage_data|mage_data|__pycache__)(\/|$)/;

/**
 * Copies mage_project/ to `<dir>/mage_project` (Mage's state left out) and returns its path. Run Mage on the copy by
 * passing it as QBO_MAGE_PROJECT (scripts/mage.sh) with QBO_BACKFILL_HOME=PROJECT_ROOT (the bridge then finds
 * ts-blocks/): triggers armed there, and their write-back, leave the working copy's triggers.yaml alone.
 */
export function copyProject(dir: string): string {
  const target = join(dir, 'mage_project');
  cpSync(resolve(PROJECT_ROOT, 'mage_project'), target, { recursive: true, filter: (src) => !MAGE_STATE.test(src) });
  return target;
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function mageEnv(options: MageOptions): NodeJS.ProcessEnv {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  return { ...process.env, MAGE_DATA_DIR: resolve(options.dataDir), ...options.env };
}

/**
 * Runs a command to completion, collecting its output; `input` is written to its stdin. `echoStderr` also receives
 * its stderr as it comes (progress the caller should see live).
 */
export function runCommand(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  input?: string,
  onLine?: (line: string) => void,
  echoStderr?: NodeJS.WritableStream,
): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out.push(chunk);
      if (!onLine) return;
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err.push(chunk);
      echoStderr?.write(chunk);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (onLine && partial) onLine(partial);
      resolvePromise({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(input ?? '');
  });
}

/**
 * Creates (first time, a few minutes) or reuses the pinned mage-ai venv; returns its path. The install's progress
 * (pip's output, on the script's stderr) goes to `progress` as it comes: a cached venv prints nothing.
 */
export async function ensureMageVenv(progress: NodeJS.WritableStream = process.stderr): Promise<string> {
  const result = await runCommand(MAGE_VENV_SH, [], process.env, undefined, undefined, progress);
  if (result.code !== 0) {
    throw new Error(`scripts/mage-venv.sh failed (exit ${result.code}): ${result.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  }
  return result.stdout.trim().split('\n').pop() ?? '';
}

/** `scripts/mage.sh <args>` with the given data dir. */
export function mage(args: readonly string[], options: MageOptions & { input?: string; onLine?: (line: string) => void }): Promise<CommandResult> {
  return runCommand(MAGE_SH, args, mageEnv(options), options.input, options.onLine);
}

/** `mage run mage_project <pipeline> --runtime-vars <json>` (headless: no scheduler, no retries). */
export function runPipeline(
  pipeline: string,
  runtimeVars: Readonly<Record<string, unknown>>,
  options: MageOptions & { onLine?: (line: string) => void },
): Promise<CommandResult> {
  return mage(['run', pipeline, '--runtime-vars', JSON.stringify(runtimeVars)], options);
}

export interface SandboxCredentials {
  readonly baseUrl: string;
  readonly tokenUrl: string;
  readonly realmId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
}

/** Loads the local sandbox's values and the PostgreSQL URL into Mage Secrets (via stdin, never argv). */
export async function loadSandboxSecrets(sandbox: SandboxCredentials, pgUrl: string, options: MageOptions): Promise<void> {
  const { baseUrl, tokenUrl, realmId, clientId, clientSecret, refreshToken } = sandbox;
  const doc = { baseUrl, tokenUrl, realmId, clientId, clientSecret, refreshToken, pgUrl };
  const result = await mage(['sandbox-secrets'], { ...options, input: `${JSON.stringify(doc)}\n` });
  if (result.code !== 0) {
    throw new Error(`Loading the sandbox secrets into Mage failed (exit ${result.code}): ${lastLines(result.stderr)}`);
  }
}

/** Stores NAME=value pairs in Mage Secrets through `scripts/mage.sh secrets load --stdin`. */
export async function storeSecrets(values: Readonly<Record<string, string>>, options: MageOptions): Promise<void> {
  const input = Object.entries(values).map(([k, v]) => `${k}=${v}\n`).join('');
  const result = await mage(['secrets', 'load', '--stdin', ...Object.keys(values)], { ...options, input });
  if (result.code !== 0) throw new Error(`Storing Mage Secrets failed (exit ${result.code}): ${lastLines(result.stderr)}`);
}

export function lastLines(text: string, count = 5): string {
  return text.trim().split('\n').slice(-count).join(' | ');
}
