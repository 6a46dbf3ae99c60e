import type { BenchResult } from '../../src/bench/render';
import { repeatLines, summariseRepeats } from '../../src/bench/repeat';
import { median } from '../../src/validate/robust';

/** Only the parts of a result the spread reads. */
function result(ratio: number, validatorsS: number | undefined, slowdown?: number): BenchResult {
  return {
    targets: {
      ratio: { target: '>= 0.8', value: ratio, met: ratio >= 0.8 },
      throttled: { target: '0', value: 0, met: true },
      requestsOverMin: { target: '<= 10% over the minimum', value: 0.027, met: true },
      ...(validatorsS === undefined ? {} : { validators: { target: '<= 2 s in all', value: validatorsS, met: validatorsS <= 2 } }),
    },
    ...(slowdown === undefined ? {} : { faults: { targets: { slowdown: { target: '<= 1.5x', value: slowdown, met: slowdown <= 1.5 } } } }),
  } as unknown as BenchResult;
}

describe('bench --repeat spread', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('gives each target its median, range and the runs that met it', () => {
    const s = summariseRepeats([result(0.79, 1.9, 1.2), result(0.83, 2.2, 1.3), result(0.81, 1.8, 1.6)]);
    expect(s.runs).toBe(3);
    expect(s.targets.ratio).toEqual({ target: '>= 0.8', median: 0.81, min: 0.79, max: 0.83, met: 2, runs: 3 });
    expect(s.targets.validators).toEqual({ target: '<= 2 s in all', median: 1.9, min: 1.8, max: 2.2, met: 2, runs: 3 });
    expect(s.targets['faults.slowdown']).toMatchObject({ median: 1.3, met: 2, runs: 3 });
    const lines = repeatLines(s);
    expect(lines[0]).toBe('over 3 runs (median, range, runs meeting the target):');
    expect(lines).toContain('  ratio (API floor + DB floor) / wall: median 0.81 (0.79–0.83), target >= 0.8: met in 2 of 3');
    expect(lines).toContain('  API requests over the minimum: median 2.7% (2.7%–2.7%), target <= 10% over the minimum: met in 3 of 3');
  });

  it('leaves out a target not checked in every run (validators skipped in one)', () => {
    const s = summariseRepeats([result(0.8, 1.9), result(0.8, undefined)]);
    expect(Object.keys(s.targets)).toEqual(['ratio', 'throttled', 'requestsOverMin']);
  });
});
