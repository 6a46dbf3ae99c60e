/**
 * Peak resident memory of a child process, read from Linux's /proc/<pid>/status: VmHWM is the kernel's own
 * high-water mark of the resident set, so one read just before the process exits gives its true peak, and
 * periodic reads only guard against missing that last moment. Off Linux the figure is reported as unknown.
 */
import { readFileSync } from 'node:fs';

/** VmHWM of a live process, in KiB; undefined when the process is gone or /proc is not available. */
export function readPeakRssKb(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) : undefined;
}

export interface PeakRssSampler {
  /** Reads the high-water mark now (call it when the child announces its result, just before it exits). */
  sample(): void;
  /** Stops polling; returns the highest value seen, in KiB, or undefined if none could be read. */
  stop(): number | undefined;
}

export function samplePeakRss(pid: number, intervalMs = 100): PeakRssSampler {
  let peak: number | undefined;
  const sample = () => {
    const kb = readPeakRssKb(pid);
    if (kb !== undefined && (peak === undefined || kb > peak)) peak = kb;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    sample,
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}
