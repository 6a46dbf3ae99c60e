/**
 * Peak resident memory and CPU time of a child process, read from Linux's /proc/<pid>/. VmHWM (status) is the
 * kernel's own high-water mark of the resident set, so one read just before the process exits gives its true
 * peak; periodic reads only guard against missing that last moment. utime + stime (stat) is the CPU the process
 * used, which tells a CPU-bound block from one that waits. Off Linux both are reported as unknown.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on every Linux build that matters). */
const USER_HZ = 100;

function readProc(pid: number, file: 'status' | 'stat'): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** VmHWM of a live process, in KiB; undefined when the process is gone or /proc is not available. */
export function readPeakRssKb(pid: number): number | undefined {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readProc(pid, 'status') ?? '');
  return match ? Number(match[1]) : undefined;
}

/** User + system CPU time of a live process, in ms. */
export function readCpuMs(pid: number): number | undefined {
  const stat = readProc(pid, 'stat');
  if (!stat) return undefined;
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : undefined;
}

export interface ProcSample {
  /** Highest VmHWM seen, KiB. */
  readonly peakRssKb: number | undefined;
  /** CPU time at the last successful read, ms. */
  readonly cpuMs: number | undefined;
}

export interface ProcSampler {
  /** Reads now (call it when the child announces its result, just before it exits). */
  sample(): void;
  /** Stops polling and returns what was seen. */
  stop(): ProcSample;
}

export function sampleProcess(pid: number, intervalMs = 100): ProcSampler {
  let peakRssKb: number | undefined;
  let cpuMs: number | undefined;
  const sample = () => {
    const kb = readPeakRssKb(pid);
    if (kb !== undefined && (peakRssKb === undefined || kb > peakRssKb)) peakRssKb = kb;
    cpuMs = readCpuMs(pid) ?? cpuMs;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    sample,
    stop() {
      clearInterval(timer);
      return { peakRssKb, cpuMs };
    },
  };
}
