/** What the benchmark ran on: enough to compare two results honestly. */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import type { Machine } from './render';

/** The commit measured (short hash), marked when the working tree had uncommitted changes; null outside git. */
export function revision(cwd: string): string | null {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? head : `${head}+uncommitted`;
  } catch {
    return null;
  }
}

export function describeMachine(postgres: string, cwd: string): Machine {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: (list[0]?.model ?? 'unknown').trim(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres,
    revision: revision(cwd),
  };
}
