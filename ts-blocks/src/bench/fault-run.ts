/**
 * `--faults`: the same data run clean and then with failures injected by the sandbox (429s without Retry-After,
 * 500s, 503s, dropped connections), compared. What a user cares about: how much longer the run takes (`slowdown`,
 * faulty wall / clean wall, both from the first block's start to the last validator's end), that no row is lost,
 * and that the client stayed within QBO's limits all along, as the sandbox's load meter counted them (every request
 * from arrival to answer, refused and failed ones included).
 */
import type { SandboxStats } from '../sandbox';
import type { Figures } from './figures';
import type { BenchOptions, FaultProfile } from './options';
import type { TargetCheck } from './render';

export const TARGET_SLOWDOWN = 1.5;

export interface LoadPeaks {
  /** Most QBO API requests open at once (refused ones included). */
  readonly peakConcurrent: number;
  /** Most QBO API requests that arrived within any rolling 60 s (refused ones included). */
  readonly peakPerMinute: number;
}

export function loadPeaks(stats: SandboxStats): LoadPeaks {
  return { peakConcurrent: stats.peakConcurrent, peakPerMinute: stats.peakPerMinute };
}

/** One of the two runs, as the comparison needs it. */
export interface FaultRunSummary {
  readonly wallMs: number;
  readonly rows: number;
  readonly sourceRows: number;
  /** Rows the source holds that the raw tables do not (summed over the entities). */
  readonly rowsLost: number;
  readonly validationOk: boolean | null;
  /** QBO API requests the sandbox answered (all kinds, refused and failed ones included). */
  readonly apiRequests: number;
  /** 429s the sandbox sent (injected and from its limits). */
  readonly throttled: number;
  /** Failures injected, by kind. */
  readonly injected: Readonly<Record<string, number>>;
  readonly load: LoadPeaks;
}

export interface FaultComparison {
  readonly profile: FaultProfile;
  readonly clean: FaultRunSummary;
  readonly faulty: FaultRunSummary;
  /** faulty wall / clean wall. */
  readonly slowdown: number;
  readonly targets: {
    readonly slowdown: TargetCheck;
    readonly rowsLost: TargetCheck;
    readonly inFlight: TargetCheck;
    readonly perMinute: TargetCheck;
  };
}

export function summariseRun(total: Figures, perEntity: readonly Figures[], stats: SandboxStats): FaultRunSummary {
  return {
    wallMs: total.wallMs,
    rows: total.rows,
    sourceRows: total.sourceRows,
    rowsLost: perEntity.reduce((n, f) => n + Math.max(0, f.sourceRows - f.rows), 0),
    validationOk: total.validation ? total.validation.ok : null,
    apiRequests: stats.apiRequests,
    throttled: stats.throttled,
    injected: { ...stats.injected },
    load: loadPeaks(stats),
  };
}

export function compareFaultRuns(options: BenchOptions, profile: FaultProfile, clean: FaultRunSummary, faulty: FaultRunSummary): FaultComparison {
  const slowdown = clean.wallMs > 0 ? Math.round((faulty.wallMs / clean.wallMs) * 1000) / 1000 : 0;
  const peakInFlight = Math.max(clean.load.peakConcurrent, faulty.load.peakConcurrent);
  const peakPerMinute = Math.max(clean.load.peakPerMinute, faulty.load.peakPerMinute);
  const lost = clean.rowsLost + faulty.rowsLost;
  const validated = clean.validationOk !== false && faulty.validationOk !== false;
  return {
    profile,
    clean,
    faulty,
    slowdown,
    targets: {
      slowdown: { target: `<= ${TARGET_SLOWDOWN}x`, value: slowdown, met: slowdown > 0 && slowdown <= TARGET_SLOWDOWN },
      rowsLost: { target: '0, validation passed', value: lost, met: lost === 0 && validated },
      inFlight: { target: `<= ${options.maxInFlight}`, value: peakInFlight, met: peakInFlight <= options.maxInFlight },
      perMinute: { target: `<= ${options.ratePerMinute}`, value: peakPerMinute, met: peakPerMinute <= options.ratePerMinute },
    },
  };
}
