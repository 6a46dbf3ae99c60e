import { isConfigError } from '../../src/core/errors';
import { DEFAULT_BENCH_OPTIONS, parseBenchArgs } from '../../src/bench/options';

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

  test('the pipelines run together unless --one-at-a-time is given', () => {
    expect(parseBenchArgs([]).oneAtATime).toBe(false);
    expect(parseBenchArgs(['--one-at-a-time']).oneAtATime).toBe(true);
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
