import { spawnSync } from 'node:child_process';
import { readCpuMs, readPeakRssKb, sampleProcess } from '../../src/bench/proc-sampler';

const onLinux = process.platform === 'linux';

(onLinux ? describe : describe.skip)('process sampler (/proc)', () => {
  test('reads a live process: peak RSS in KiB not below its current RSS, CPU time in ms', () => {
    const peak = readPeakRssKb(process.pid)!;
    expect(peak * 1024).toBeGreaterThanOrEqual(process.memoryUsage().rss * 0.9);
    const cpu = readCpuMs(process.pid)!;
    const used = process.cpuUsage();
    expect(cpu).toBeGreaterThan(0);
    expect(Math.abs(cpu - (used.user + used.system) / 1000)).toBeLessThan(1000);
  });

  test('a process that is gone reads as unknown, never as zero', () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    expect(readPeakRssKb(gone)).toBeUndefined();
    expect(readCpuMs(gone)).toBeUndefined();
    const sampler = sampleProcess(gone, 10);
    expect(sampler.stop()).toEqual({ peakRssKb: undefined, cpuMs: undefined });
  });

  test('the sampler keeps the highest peak it saw', () => {
    const sampler = sampleProcess(process.pid, 5);
    const ballast = Buffer.alloc(64 * 2 ** 20, 1);
    sampler.sample();
    const { peakRssKb } = sampler.stop();
    expect(ballast.length).toBe(64 * 2 ** 20);
    expect(peakRssKb! * 1024).toBeGreaterThanOrEqual(64 * 2 ** 20);
  });
});
