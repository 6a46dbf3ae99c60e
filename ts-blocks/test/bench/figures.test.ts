import { entityFigures, totalFigures, type EntityMeasure } from '../../src/bench/figures';
import { checkTargets, renderText, type BenchResult } from '../../src/bench/render';
import { DEFAULT_BENCH_OPTIONS } from '../../src/bench/options';

const invoices: EntityMeasure = {
  entity: 'invoices', sourceRows: 10_000, loadedRows: 10_000,
  requests: { data: 10, count: 1, token: 1, throttled: 0 }, validatorRequests: { data: 0, count: 10, token: 1, throttled: 0 },
  loaderMs: 3_000, exporterMs: 1_000, validatorMs: 500, validationOk: true,
  validatorTimings: { primary_key: 100, idempotency: 200, report: 50, block: 480 },
  peakRss: { loaderKb: 90_000, exporterKb: 80_000, validatorKb: 70_000 },
  cpu: { loaderMs: 1_000, exporterMs: 600, sandboxMs: 700 },
  minRequests: 11, apiFloorMs: 2_000, dbFloorMs: 800,
};
const items: EntityMeasure = {
  ...invoices, entity: 'items', sourceRows: 500, loadedRows: 500,
  requests: { data: 1, count: 0, token: 1, throttled: 2 }, loaderMs: 500, exporterMs: 500,
  peakRss: { loaderKb: 95_000, exporterKb: null, validatorKb: 60_000 }, minRequests: 2, apiFloorMs: 300, dbFloorMs: 100,
};

describe('bench figures', () => {
  test('an entity: wall is loader + exporter + validator, rows/s over that, ratio is the two floors over the wall', () => {
    const f = entityFigures(invoices);
    expect(f.wallMs).toBe(4_500);
    expect(f.rowsPerSec).toBe(2_222);
    expect(f.ratio).toBe(0.622);
    expect(f.requests.total).toBe(12);
    expect(f.requests.overMin).toBe(0.091);
  });

  test('the total sums work and floors, keeps the highest peak RSS per block, and counts every 429', () => {
    const t = totalFigures([invoices, items]);
    expect(t.rows).toBe(10_500);
    expect(t.wallMs).toBe(6_000);
    expect(t.ratio).toBe(0.533);
    expect(t.throttled).toBe(2);
    expect(t.peakRss).toEqual({ loaderKb: 95_000, exporterKb: 80_000, validatorKb: 70_000 });
    expect(t.cpu).toEqual({ loaderMs: 2_000, exporterMs: 1_200, sandboxMs: 1_400 });
    expect(t.validation).toEqual({
      ms: 1_000, requests: { data: 0, count: 20, token: 2, throttled: 0 }, ok: true,
      timings: { primary_key: 200, idempotency: 400, report: 100, block: 960 },
    });
  });

  test('targets are judged on the total: ratio, 429s, requests over the minimum and the validators in all', () => {
    const targets = checkTargets(totalFigures([invoices, items]));
    expect(targets.ratio.met).toBe(false);
    expect(targets.throttled.met).toBe(false);
    expect(targets.requestsOverMin).toEqual({ target: '<= 10% over the minimum', value: 0.077, met: true });
    expect(targets.validators).toEqual({ target: '<= 2 s in all', value: 1, met: true });
    const slow = checkTargets(totalFigures([invoices, { ...items, validatorMs: 1_600 }]));
    expect(slow.validators).toEqual({ target: '<= 2 s in all', value: 2.1, met: false });
    const failed = checkTargets(totalFigures([invoices, { ...items, validationOk: false }]));
    expect(failed.validators?.met).toBe(false);
  });

  test('the text report names every entity and the total, and says which targets were missed', () => {
    const total = totalFigures([invoices, items]);
    const result: BenchResult = {
      machine: { cpus: 2, cpuModel: 'cpu', memoryGiB: 24, node: 'v20', postgres: 'PostgreSQL 17', revision: 'abc1234' },
      options: DEFAULT_BENCH_OPTIONS, chunkDays: 7, together: true,
      entities: { invoices: entityFigures(invoices), customers: entityFigures(items), items: entityFigures(items) },
      total, targets: checkTargets(total), load: { peakConcurrent: 10, peakPerMinute: 123 },
    };
    const text = renderText(result);
    for (const word of ['invoices', 'customers', 'items', 'total', 'API floor s', 'DB floor s', 'RSS loader MiB', 'validator s', 'idempotency']) {
      expect(text).toContain(word);
    }
    expect(text).toContain('ratio (API floor + DB floor) / wall: 0.533 (target >= 0.8: FAIL)');
    expect(text).toContain('(target <= 2 s in all: PASS)');
    expect(text).toContain('at most 10 in flight, 123 in a rolling minute');
    expect(text).toContain('pipelines: together');
  });

  test('pipelines run together: the total takes the measured wall time and the joint API floor, not sums', () => {
    const t = totalFigures([invoices, items], { wallMs: 4_000, apiFloorMs: 2_100, sandboxMs: 1_000 });
    expect(t.wallMs).toBe(4_000);
    expect(t.apiFloorMs).toBe(2_100);
    expect(t.dbFloorMs).toBe(900);
    expect(t.ratio).toBe(0.75);
    expect(t.loaderMs).toBe(3_500); // still the sum of the (overlapping) loader spans
    expect(t.rowsPerSec).toBe(2_625);
    expect(t.cpu.sandboxMs).toBe(1_000); // the bench process's CPU over the run, not the sum of overlapping spans
  });
});
