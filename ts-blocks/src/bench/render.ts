/**
 * How a benchmark result looks: one JSON document (`--json`), or aligned tables for a person.
 */
import { formatCount } from '../core/count-format';
import type { Entity } from '../core/events';
import type { FaultComparison, LoadPeaks } from './fault-run';
import { faultLines } from './fault-render';
import type { Figures } from './figures';
import type { BenchOptions } from './options';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly postgres: string;
  /** The commit measured (see machine.ts). */
  readonly revision: string | null;
}

export interface TargetCheck {
  readonly target: string;
  readonly value: number;
  readonly met: boolean;
}

export interface BenchResult {
  readonly machine: Machine;
  readonly options: BenchOptions;
  /** The chunk size the loader used (its own default when the bench passed none). */
  readonly chunkDays: number | null;
  /**
   * True when the pipelines ran at once (the total's wall time and API floor are then the whole run's, and its
   * loader/exporter times are sums of overlapping spans).
   */
  readonly together: boolean;
  readonly entities: Readonly<Record<Entity, Figures>>;
  readonly total: Figures;
  readonly targets: {
    readonly ratio: TargetCheck;
    readonly throttled: TargetCheck;
    readonly requestsOverMin: TargetCheck;
    /** The validators' time, summed over the entities, s (absent when they were not run). */
    readonly validators?: TargetCheck;
  };
  /** What QBO's limits saw (the sandbox's load meter): most requests open at once, most in any rolling minute. */
  readonly load: LoadPeaks;
  /** The same data run again with faults injected (`--faults`). */
  readonly faults?: FaultComparison;
}

export const TARGET_RATIO = 0.8;
export const TARGET_OVER_MIN = 0.1;
export const TARGET_VALIDATORS_S = 2;

export function checkTargets(total: Figures): BenchResult['targets'] {
  const validatorsS = total.validation ? Math.round(total.validation.ms) / 1000 : undefined;
  return {
    ratio: { target: `>= ${TARGET_RATIO}`, value: total.ratio, met: total.ratio >= TARGET_RATIO },
    throttled: { target: '0', value: total.throttled, met: total.throttled === 0 },
    requestsOverMin: {
      target: `<= ${TARGET_OVER_MIN * 100}% over the minimum`,
      value: total.requests.overMin,
      met: total.requests.overMin <= TARGET_OVER_MIN,
    },
    ...(validatorsS === undefined
      ? {}
      : { validators: { target: `<= ${TARGET_VALIDATORS_S} s in all`, value: validatorsS, met: validatorsS <= TARGET_VALIDATORS_S && total.validation!.ok } }),
  };
}

const s = (ms: number) => (ms / 1000).toFixed(2);
const mib = (kb: number | null) => (kb === null ? 'n/a' : (kb / 1024).toFixed(0));
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const int = (n: number) => formatCount(n);

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function labelled(result: BenchResult): Array<[string, Figures]> {
  return [...(Object.entries(result.entities) as Array<[string, Figures]>), ['total', result.total]];
}

function workTable(result: BenchResult): string {
  return table(
    ['entity', 'rows', 'data', 'count', 'token', 'min', 'vs min', '429s', 'loader s', 'exporter s', 'wall s', 'rows/s'],
    labelled(result).map(([name, f]) => [
      name, int(f.rows), int(f.requests.data), int(f.requests.count), int(f.requests.token), int(f.requests.min),
      pct(f.requests.overMin), int(f.throttled), s(f.loaderMs), s(f.exporterMs), s(f.wallMs), int(f.rowsPerSec),
    ]),
  );
}

const cpu = (ms: number | null) => (ms === null ? 'n/a' : s(ms));

function cpuTable(result: BenchResult): string {
  return table(
    ['entity', 'loader wall s', 'loader CPU s', 'exporter wall s', 'exporter CPU s', 'sandbox CPU s'],
    labelled(result).map(([name, f]) => [
      name, s(f.loaderMs), cpu(f.cpu.loaderMs), s(f.exporterMs), cpu(f.cpu.exporterMs), s(f.cpu.sandboxMs),
    ]),
  );
}

function ceilingTable(result: BenchResult): string {
  return table(
    ['entity', 'API floor s', 'DB floor s', 'wall s', 'ratio', 'RSS loader MiB', 'RSS exporter MiB', 'RSS validator MiB', 'validator s'],
    labelled(result).map(([name, f]) => [
      name, s(f.apiFloorMs), s(f.dbFloorMs), s(f.wallMs), f.ratio.toFixed(3), mib(f.peakRss.loaderKb),
      mib(f.peakRss.exporterKb), mib(f.peakRss.validatorKb), f.validation ? s(f.validation.ms) : 'n/a',
    ]),
  );
}

/** Where each validator's time went: its checks (run three at a time, so they overlap), the report, the block. */
function validatorTable(result: BenchResult): string | undefined {
  const rows = labelled(result).filter(([, f]) => f.validation);
  if (rows.length === 0) return undefined;
  const keys = [...new Set(rows.flatMap(([, f]) => Object.keys(f.validation!.timings)))];
  return table(['validator s', ...keys], rows.map(([name, f]) => [name, ...keys.map((k) => (f.validation!.timings[k] === undefined ? 'n/a' : s(f.validation!.timings[k]!)))]));
}

const mark = (c: TargetCheck): string => (c.met ? 'PASS' : 'FAIL');

export function renderText(result: BenchResult): string {
  const o = result.options;
  const m = result.machine;
  const t = result.targets;
  const validators = validatorTable(result);
  return [
    `qbo-backfill benchmark: ${int(o.invoices)} invoices, ${int(o.customers)} customers, ${int(o.items)} items`,
    `sandbox: ${o.latencyMs} ms + ${o.latencyPerRowMs} ms/row + 0..${o.latencyJitterMs} ms jitter per request; ` +
      `limits ${o.ratePerMinute}/min, ${o.maxInFlight} in flight; page size ${o.pageSize}; chunk_days ${result.chunkDays ?? 'default'}`,
    `machine: ${m.cpus} x ${m.cpuModel}, ${m.memoryGiB} GiB; node ${m.node}; ${m.postgres}; revision ${m.revision ?? 'unknown'}`,
    result.together
      ? 'pipelines: together, as the shipped triggers start them; total wall = first block start to last validator end, ' +
        'total API floor = all pages sharing the limits (loader/exporter totals are sums of overlapping spans)'
      : 'pipelines: one at a time; total = sum of the entities',
    'wall = loader + exporter + validator (the pipeline a user waits for)',
    '',
    workTable(result),
    '',
    ceilingTable(result),
    '',
    cpuTable(result),
    '',
    ...(validators ? [validators, ''] : []),
    `QBO limits as the sandbox counted them (refused requests included): at most ${result.load.peakConcurrent} in flight, ` +
      `${result.load.peakPerMinute} in a rolling minute`,
    ...(result.faults ? ['', ...faultLines(result.faults)] : []),
    '',
    `ratio (API floor + DB floor) / wall: ${result.total.ratio.toFixed(3)} (target ${t.ratio.target}: ${mark(t.ratio)})`,
    `429s: ${t.throttled.value} (target ${t.throttled.target}: ${mark(t.throttled)})`,
    `API requests vs minimum: ${pct(t.requestsOverMin.value)} (target ${t.requestsOverMin.target}: ${mark(t.requestsOverMin)})`,
    t.validators
      ? `validators: ${result.total.validation!.ok ? 'passed' : 'FAILED'} in ${t.validators.value.toFixed(2)} s in all, ` +
        `${result.total.validation!.requests.data + result.total.validation!.requests.count + result.total.validation!.requests.token} requests ` +
        `(target ${t.validators.target}: ${mark(t.validators)})`
      : 'validators: not run',
    ...(result.faults ? faultTargetLines(result.faults) : []),
  ].join('\n');
}

function faultTargetLines(f: FaultComparison): string[] {
  const t = f.targets;
  return [
    `faults: slowdown ${t.slowdown.value.toFixed(2)}x (target ${t.slowdown.target}: ${mark(t.slowdown)})`,
    `faults: rows lost ${t.rowsLost.value} (target ${t.rowsLost.target}: ${mark(t.rowsLost)})`,
    `faults: at most ${t.inFlight.value} in flight (target ${t.inFlight.target}: ${mark(t.inFlight)}), ` +
      `${t.perMinute.value} per rolling minute (target ${t.perMinute.target}: ${mark(t.perMinute)})`,
  ];
}

export function renderJson(result: BenchResult): string {
  return JSON.stringify(result);
}
