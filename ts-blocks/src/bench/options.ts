/**
 * Command line of `npm run bench`: the size of the sandbox company, its latency, and the output form.
 * Defaults are the reference run: 100,000 invoices + 5,000 customers + 2,000 items, 150 ms per request
 * plus a per-row cost, with jitter, under QBO's real limits (500 requests/min, 10 in flight per realm).
 */
import { ConfigError } from '../core/errors';

/** Failure rates the sandbox injects into QBO API requests (fractions of requests, 0..1). */
export interface FaultProfile {
  readonly p429: number;
  readonly p500: number;
  readonly p503: number;
  readonly pReset: number;
}

/** `--faults`: 5% 429 (no Retry-After), 5% 500, 2% 503, 2% dropped connections. */
export const DEFAULT_FAULT_PROFILE: FaultProfile = { p429: 0.05, p500: 0.05, p503: 0.02, pReset: 0.02 };

export interface BenchOptions {
  readonly invoices: number;
  readonly customers: number;
  readonly items: number;
  /** Fixed latency the sandbox adds to every request. */
  readonly latencyMs: number;
  /** Extra latency per row returned (a 1000-row page costs latencyMs + 1000 × latencyPerRowMs). */
  readonly latencyPerRowMs: number;
  /** Random extra latency, uniform in [0, latencyJitterMs]. */
  readonly latencyJitterMs: number;
  /** QBO's limits, enforced by the sandbox (429 beyond them). */
  readonly ratePerMinute: number;
  readonly maxInFlight: number;
  /** The page size the backfill asks for (QBO's maximum). */
  readonly pageSize: number;
  /** Chunk size (days) passed to the blocks; undefined = the blocks' own default. */
  readonly chunkDays?: number;
  /** Generator seed of the sandbox company. */
  readonly seed: number;
  /** Also run the validator block of each pipeline (timed apart from the backfill). */
  readonly validate: boolean;
  readonly json: boolean;
  /** Keep the bench database and spool files instead of removing them (for inspection). */
  readonly keepDb: boolean;
  /** Run the pipelines back to back instead of together (as the shipped triggers start them). */
  readonly oneAtATime: boolean;
  /** Also run the same data with these faults injected, and compare (null: clean run only). */
  readonly faults: FaultProfile | null;
  /** Runs of the whole benchmark, each on a fresh sandbox and database; with more than one, the spread is printed. */
  readonly repeat: number;
}

export const DEFAULT_BENCH_OPTIONS: BenchOptions = {
  invoices: 100_000,
  customers: 5_000,
  items: 2_000,
  latencyMs: 150,
  latencyPerRowMs: 0.5,
  latencyJitterMs: 50,
  ratePerMinute: 500,
  maxInFlight: 10,
  pageSize: 1000,
  seed: 4,
  validate: true,
  json: false,
  keepDb: false,
  oneAtATime: false,
  faults: null,
  repeat: 1,
};

/** A fault rate as the usage and the comparison print it: 0.05 -> "5%". */
export function pctOf(p: number): string {
  return `${Math.round(p * 1000) / 10}%`;
}

export const BENCH_USAGE = `Usage: npm run bench -- [options]
  --invoices n           invoices in the sandbox company (default ${DEFAULT_BENCH_OPTIONS.invoices})
  --customers n          customers (default ${DEFAULT_BENCH_OPTIONS.customers})
  --items n              items (default ${DEFAULT_BENCH_OPTIONS.items})
  --latency-ms n         fixed latency per request, ms (default ${DEFAULT_BENCH_OPTIONS.latencyMs})
  --latency-per-row-ms n extra latency per row returned, ms (default ${DEFAULT_BENCH_OPTIONS.latencyPerRowMs})
  --jitter-ms n          random extra latency, uniform 0..n ms (default ${DEFAULT_BENCH_OPTIONS.latencyJitterMs})
  --chunk-days n         chunk size passed to the loader (default: the loader's own)
  --seed n               sandbox generator seed (default ${DEFAULT_BENCH_OPTIONS.seed})
  --one-at-a-time        run the pipelines back to back (default: together, as the shipped triggers start them)
  --no-validate          skip the validator blocks
  --faults               run the same data twice, clean then with faults injected, and print the slowdown
                         (default profile: ${pctOf(DEFAULT_FAULT_PROFILE.p429)} 429, ${pctOf(DEFAULT_FAULT_PROFILE.p500)} 500, ${pctOf(DEFAULT_FAULT_PROFILE.p503)} 503, ${pctOf(DEFAULT_FAULT_PROFILE.pReset)} dropped connections)
  --fault-429 p          fraction of requests answered 429 without Retry-After (implies --faults)
  --fault-500 p          fraction answered 500 (implies --faults)
  --fault-503 p          fraction answered 503 (implies --faults)
  --fault-reset p        fraction whose connection is dropped (implies --faults)
  --repeat n             run the whole benchmark n times (fresh sandbox and database each) and print the median,
                         range and runs meeting each target (default 1)
  --keep-db              keep the bench database and spool files (removed by default)
  --json                 print one JSON document instead of tables`;

type NumericKey = 'invoices' | 'customers' | 'items' | 'latencyMs' | 'latencyPerRowMs' | 'latencyJitterMs' | 'chunkDays' | 'seed' | 'repeat';

const NUMERIC_FLAGS: Record<string, { key: NumericKey; integer: boolean; min: number }> = {
  '--invoices': { key: 'invoices', integer: true, min: 0 },
  '--customers': { key: 'customers', integer: true, min: 0 },
  '--items': { key: 'items', integer: true, min: 0 },
  '--latency-ms': { key: 'latencyMs', integer: false, min: 0 },
  '--latency-per-row-ms': { key: 'latencyPerRowMs', integer: false, min: 0 },
  '--jitter-ms': { key: 'latencyJitterMs', integer: false, min: 0 },
  '--chunk-days': { key: 'chunkDays', integer: false, min: Number.MIN_VALUE },
  '--seed': { key: 'seed', integer: true, min: 0 },
  '--repeat': { key: 'repeat', integer: true, min: 1 },
};

const FAULT_FLAGS: Record<string, keyof FaultProfile> = {
  '--fault-429': 'p429',
  '--fault-500': 'p500',
  '--fault-503': 'p503',
  '--fault-reset': 'pReset',
};

const BOOLEAN_FLAGS: Record<string, (o: Mutable<BenchOptions>) => void> = {
  '--faults': (o) => (o.faults ??= DEFAULT_FAULT_PROFILE),
  '--json': (o) => (o.json = true),
  '--no-validate': (o) => (o.validate = false),
  '--keep-db': (o) => (o.keepDb = true),
  '--one-at-a-time': (o) => (o.oneAtATime = true),
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function parseNumber(flag: string, raw: string | undefined, integer: boolean, min: number): number {
  const value = raw === undefined ? NaN : Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new ConfigError(
      `Invalid value for ${flag}: ${raw === undefined ? 'missing' : JSON.stringify(raw)}; expected ` +
        `${integer ? 'a whole number' : 'a number'} >= ${min === Number.MIN_VALUE ? 'more than 0' : min}.\n${BENCH_USAGE}`,
      { code: 'BENCH_BAD_OPTION' },
    );
  }
  return value;
}

/** Parses `--flag n` and `--flag=n` forms; an unknown flag is an error naming it. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const options: Mutable<BenchOptions> = { ...DEFAULT_BENCH_OPTIONS };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split('=', 2) : [argv[i], undefined];
    const numeric = NUMERIC_FLAGS[flag];
    if (numeric) {
      const raw = inline ?? argv[(i += 1)];
      options[numeric.key] = parseNumber(flag, raw, numeric.integer, numeric.min);
    } else if (FAULT_FLAGS[flag]) {
      const raw = inline ?? argv[(i += 1)];
      options.faults = { ...(options.faults ?? DEFAULT_FAULT_PROFILE), [FAULT_FLAGS[flag]]: parseNumber(flag, raw, false, 0) };
    } else if (BOOLEAN_FLAGS[flag] && inline === undefined) {
      BOOLEAN_FLAGS[flag](options);
    } else {
      throw new ConfigError(`Unknown option ${JSON.stringify(argv[i])}.\n${BENCH_USAGE}`, { code: 'BENCH_BAD_OPTION' });
    }
  }
  checkFaults(options.faults);
  return options;
}

/** The rates are fractions of all requests: each at most 1, together below 1 (some requests must succeed). */
function checkFaults(f: FaultProfile | null): void {
  if (!f) return;
  const total = f.p429 + f.p500 + f.p503 + f.pReset;
  if (Object.values(f).some((p) => p > 1) || total >= 1) {
    throw new ConfigError(
      `Invalid fault rates: each --fault-* is a fraction of requests from 0 to 1, and together they must stay below 1 ` +
        `(got 429 ${f.p429}, 500 ${f.p500}, 503 ${f.p503}, reset ${f.pReset}).\n${BENCH_USAGE}`,
      { code: 'BENCH_BAD_OPTION' },
    );
  }
}
