/** Runs a compiled entry point (ts-blocks/dist/...) as a child process with a stdin document; collects its output. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(__dirname, '..', '..', '..');

export interface NodeRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout lines parsed as JSON (non-JSON lines dropped). */
  readonly events: Array<Record<string, unknown>>;
}

export function distPath(relative: string): string {
  const path = join(REPO, 'ts-blocks', 'dist', relative);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` before these tests.`);
  return path;
}

export function runNode(
  script: string,
  args: readonly string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv; cwd?: string; onLine?: (line: string, kill: () => void, signal: (s: NodeJS.Signals) => void) => void } = {},
): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: options.cwd ?? REPO,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) options.onLine?.(line, () => child.kill('SIGKILL'), (s) => child.kill(s));
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const events = stdout
        .split('\n')
        .filter((l) => l.trim().startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        });
      resolve({ code, signal, stdout, stderr, events });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
