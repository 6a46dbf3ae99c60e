import { isConfigError } from '../../src/core/errors';
import { BENCH_USAGE, DEFAULT_BENCH_OPTIONS, parseBenchArgs } from '../../src/bench/options';

describe('bench options', () => {
  test('no arguments give the reference run: 100,000 invoices, 5,000 customers, 2,000 items, 150 ms', () => {
    const o = parseBenchArgs([]);
    expect(o).toEqual(DEFAULT_BENCH_OPTIONS);
    expect([o.invoices, o.customers, o.items, o.latencyMs]).toEqual([100_000, 5_000, 2_000, 150]);
    expect([o.ratePerMinute, o.maxInFlight, o.pageSize]).toEqual([500, 10, 1000]);
  });

  test('sizes, latency and output form are read in both --flag n and --flag=n forms', () => {
    const o = parseBenchArgs(['--invoices', '2000', '--customers=30', '--items', '7', '--latency-ms', '5', '--json']);
    expect([o.invoices, o.customers, o.items, o.latencyMs, o.json]).toEqual([2000, 30, 7, 5, true]);
  });

  test('--repeat takes a whole number of runs, at least 1 (default 1)', () => {
    expect(parseBenchArgs([]).repeat).toBe(1);
    expect(parseBenchArgs(['--repeat', '5']).repeat).toBe(5);
    for (const bad of ['0', '2.5', 'x']) {
      expect(() => parseBenchArgs(['--repeat', bad])).toThrow(/Invalid value for --repeat: .*whole number >= 1/);
    }
    expect(BENCH_USAGE).toContain('--repeat n');
  });

  test('the pipelines run together unless --one-at-a-time is given', () => {
    expect(parseBenchArgs([]).oneAtATime).toBe(false);
    expect(parseBenchArgs(['--one-at-a-time']).oneAtATime).toBe(true);
  });

  test('--faults takes the documented profile; each --fault-* sets its rate and implies --faults', () => {
    expect(parseBenchArgs([]).faults).toBeNull();
    expect(parseBenchArgs(['--faults']).faults).toEqual({ p429: 0.05, p500: 0.05, p503: 0.02, pReset: 0.02 });
    expect(parseBenchArgs(['--fault-429', '0.2']).faults).toEqual({ p429: 0.2, p500: 0.05, p503: 0.02, pReset: 0.02 });
    expect(parseBenchArgs(['--fault-500=0', '--fault-503', '0', '--fault-reset', '0.1', '--faults']).faults).toEqual({ p429: 0.05, p500: 0, p503: 0, pReset: 0.1 });
    expect(BENCH_USAGE).toContain('5% 429, 5% 500, 2% 503, 2% dropped connections');
  });

  test.each([
    [['--fault-429', '1.5']],
    [['--fault-500', '0.6', '--fault-503', '0.5']],
    [['--fault-reset', '-0.1']],
  ])('fault rates %j are refused: fractions, together below 1', (argv) => {
    expect(() => parseBenchArgs(argv)).toThrow(/--fault/);
  });

  test.each([
    [['--invoices', '-1']],
    [['--invoices', '1.5']],
    [['--latency-ms']],
    [['--frobnicate']],
    [['--json=yes']],
  ])('%j is refused with a message naming the option', (argv) => {
    let error: unknown;
    try {
      parseBenchArgs(argv);
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toContain(argv[0].split('=')[0]);
  });
});
