/**
 * `--repeat n`: the same benchmark n times, each on a fresh sandbox and database, and the spread of the figures the
 * targets judge. On a small or shared machine one run moves by 10–20% (the database floor of the same rows alone
 * did, between runs minutes apart), so a target near its threshold is better judged by the median and by how many
 * runs meet it than by a single run.
 */
import { median } from '../validate/robust';
import type { BenchResult, TargetCheck } from './render';

export interface Spread {
  readonly target: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Runs that met the target, of `runs`. */
  readonly met: number;
  readonly runs: number;
}

export interface RepeatSummary {
  readonly runs: number;
  readonly targets: Readonly<Record<string, Spread>>;
}

function spread(checks: readonly TargetCheck[]): Spread {
  const values = checks.map((c) => c.value);
  return {
    target: checks[0]!.target, median: median(values), min: Math.min(...values), max: Math.max(...values),
    met: checks.filter((c) => c.met).length, runs: checks.length,
  };
}

/** Every target checked in all the runs, with its median, range and how many runs met it. */
export function summariseRepeats(results: readonly BenchResult[]): RepeatSummary {
  const checks = new Map<string, TargetCheck[]>();
  const add = (name: string, check: TargetCheck | undefined) => {
    if (check) checks.set(name, [...(checks.get(name) ?? []), check]);
  };
  for (const r of results) {
    for (const [name, check] of Object.entries(r.targets)) add(name, check);
    if (r.faults) for (const [name, check] of Object.entries(r.faults.targets)) add(`faults.${name}`, check);
  }
  const targets = Object.fromEntries([...checks].filter(([, list]) => list.length === results.length).map(([name, list]) => [name, spread(list)]));
  return { runs: results.length, targets };
}

const LABELS: Readonly<Record<string, string>> = {
  ratio: 'ratio (API floor + DB floor) / wall',
  throttled: '429s',
  requestsOverMin: 'API requests over the minimum',
  validators: 'validators, s in all',
  'faults.slowdown': 'faults: slowdown',
  'faults.rowsLost': 'faults: rows lost',
  'faults.inFlight': 'faults: most in flight',
  'faults.perMinute': 'faults: most per rolling minute',
};

const figure = (name: string, v: number) => (name === 'requestsOverMin' ? `${(v * 100).toFixed(1)}%` : String(Math.round(v * 1000) / 1000));

export function repeatLines(summary: RepeatSummary): string[] {
  return [
    `over ${summary.runs} runs (median, range, runs meeting the target):`,
    ...Object.entries(summary.targets).map(([name, s]) =>
      `  ${LABELS[name] ?? name}: median ${figure(name, s.median)} (${figure(name, s.min)}–${figure(name, s.max)}), ` +
      `target ${s.target}: met in ${s.met} of ${s.runs}`),
  ];
}
