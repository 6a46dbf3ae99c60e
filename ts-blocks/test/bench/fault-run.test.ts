import { compareFaultRuns, type FaultRunSummary } from '../../src/bench/fault-run';
import { faultLines } from '../../src/bench/fault-render';
import { DEFAULT_BENCH_OPTIONS, DEFAULT_FAULT_PROFILE } from '../../src/bench/options';

const clean: FaultRunSummary = {
  wallMs: 20_000, rows: 107_000, sourceRows: 107_000, rowsLost: 0, validationOk: true, apiRequests: 113, throttled: 0,
  injected: {}, load: { peakConcurrent: 10, peakPerMinute: 113 },
};
const faulty: FaultRunSummary = {
  ...clean, wallMs: 26_000, apiRequests: 131, throttled: 6, injected: { '429': 6, '500': 6, '503': 2, reset: 3 },
  load: { peakConcurrent: 10, peakPerMinute: 131 },
};

describe('clean and faulty runs compared', () => {
  test('slowdown is faulty wall / clean wall; rows lost, in flight and per minute are judged against QBO\'s limits', () => {
    const c = compareFaultRuns(DEFAULT_BENCH_OPTIONS, DEFAULT_FAULT_PROFILE, clean, faulty);
    expect(c.slowdown).toBe(1.3);
    expect(c.targets).toEqual({
      slowdown: { target: '<= 1.5x', value: 1.3, met: true },
      rowsLost: { target: '0, validation passed', value: 0, met: true },
      inFlight: { target: '<= 10', value: 10, met: true },
      perMinute: { target: '<= 500', value: 131, met: true },
    });
    const text = faultLines(c).join('\n');
    expect(text).toContain('5% 429 (no Retry-After), 5% 500, 2% 503, 2% dropped connections');
    expect(text).toContain('6 429, 6 500, 2 503, 3 reset');
    expect(text).toContain('slowdown (faulty wall / clean wall): 1.30x');
  });

  test('a lost row, a failed validation, an 11th request in flight or a 501st in a minute fails its target', () => {
    const bad = compareFaultRuns(DEFAULT_BENCH_OPTIONS, DEFAULT_FAULT_PROFILE, clean, {
      ...faulty, wallMs: 40_000, rowsLost: 3, load: { peakConcurrent: 11, peakPerMinute: 501 },
    });
    expect(Object.fromEntries(Object.entries(bad.targets).map(([k, t]) => [k, t.met]))).toEqual({ slowdown: false, rowsLost: false, inFlight: false, perMinute: false });
    const unvalidated = compareFaultRuns(DEFAULT_BENCH_OPTIONS, DEFAULT_FAULT_PROFILE, clean, { ...faulty, validationOk: false });
    expect(unvalidated.targets.rowsLost.met).toBe(false);
  });
});
