/** What the benchmark ran on: enough to compare two results honestly. */
import { cpus, totalmem } from 'node:os';
import type { Machine } from './render';

export function describeMachine(postgres: string): Machine {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: (list[0]?.model ?? 'unknown').trim(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres,
  };
}
