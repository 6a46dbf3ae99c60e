/**
 * Sandbox options. Everything that can change while the sandbox runs (latency, fault probabilities, limits,
 * token policy, live updates) is a "fault" setting: the same names are accepted by `startSandbox`, by
 * `handle.setFaults`, by `POST /__sandbox/faults` (camelCase JSON) and by the CLI (kebab-case flags).
 */
import { ConfigError } from '../core/errors';

export type SandboxEntity = 'Invoice' | 'Customer' | 'Item';
export const SANDBOX_ENTITIES: readonly SandboxEntity[] = ['Invoice', 'Customer', 'Item'];

export type ScriptedFaultKind = '429' | '500' | '503' | 'reset' | '401';
/** "The N-th QBO API request (1-based, counted from when the script was set) fails with `fault`". */
export interface ScriptedFault {
  readonly request: number;
  readonly fault: ScriptedFaultKind;
}

export interface SandboxFaults {
  /** Fixed latency added to every QBO API request. */
  readonly latencyMs: number;
  /** Extra uniformly random latency in [0, latencyJitterMs). */
  readonly latencyJitterMs: number;
  /** Latency per row served (benchmarks: a 1000-row page costs more than a 10-row page). */
  readonly latencyPerRowMs: number;
  /** Records modified (and occasionally invoices deleted) per minute of sandbox clock. */
  readonly liveUpdatesPerMin: number;
  readonly p429: number;
  readonly p500: number;
  readonly p503: number;
  /** Probability that the connection is destroyed without a response. */
  readonly pReset: number;
  readonly script: readonly ScriptedFault[];
  readonly accessTokenTtlSec: number;
  /** 'every': each refresh returns a new refresh token; 'daily': a new one once the current one is 24 h old. */
  readonly rotateRefreshToken: 'every' | 'daily';
  /** How long a superseded refresh token keeps working. */
  readonly refreshGraceSec: number;
  /** Body format of 429 ThrottleExceeded (QBO historically sent XML even when JSON was asked). */
  readonly throttleFormat: 'json' | 'xml';
  readonly rateLimitPerMin: number;
  readonly maxInFlight: number;
  /** Zone used to read a filter literal that carries no offset. */
  readonly literalTimeZone: string;
}

export interface SandboxOptions extends SandboxFaults {
  readonly port: number;
  readonly host: string;
  readonly seed: number;
  readonly customers: number;
  readonly items: number;
  readonly invoices: number;
  /** Generated history span (ISO instants). Fixed so a seed gives the same company whatever today is. */
  readonly historyStart: string;
  readonly historyEnd: string;
  /** The company's time zone: payload timestamps carry its offset. */
  readonly companyTimeZone: string;
  /** Realm id; by default derived from the seed. */
  readonly realmId?: string;
  /**
   * Render every record's JSON at start-up (Company.prerender), so serving pages costs the machine almost no CPU,
   * as QBO costs its clients none: for benchmarks. 1–2 KB of memory per record (its UTF-8 bytes); off by default.
   */
  readonly prerender?: boolean;
  /** Sandbox clock in epoch ms (token expiry, rate windows, live updates, `time` fields). */
  readonly now: () => number;
  /** How latency is waited for; tests inject a controllable promise. */
  readonly sleep: (ms: number) => Promise<void>;
  /**
   * A monotonic clock, ms: the time spent building a data page is charged against the page's per-row latency
   * (the latency a client sees is the model's, not the model's plus this machine's work); tests inject their own.
   */
  readonly elapsedMs: () => number;
}

export const DEFAULT_FAULTS: SandboxFaults = {
  latencyMs: 0,
  latencyJitterMs: 0,
  latencyPerRowMs: 0,
  liveUpdatesPerMin: 0,
  p429: 0,
  p500: 0,
  p503: 0,
  pReset: 0,
  script: [],
  accessTokenTtlSec: 3600,
  rotateRefreshToken: 'every',
  refreshGraceSec: 86400,
  throttleFormat: 'json',
  rateLimitPerMin: 500,
  maxInFlight: 10,
  literalTimeZone: 'America/Los_Angeles',
};

export const DEFAULT_OPTIONS: SandboxOptions = {
  ...DEFAULT_FAULTS,
  port: 0,
  host: '127.0.0.1',
  seed: 1,
  customers: 500,
  items: 120,
  invoices: 10000,
  historyStart: '2021-01-01T00:00:00Z',
  historyEnd: '2026-01-01T00:00:00Z',
  companyTimeZone: 'America/Los_Angeles',
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  elapsedMs: () => performance.now(),
};

export const FAULT_KEYS = Object.keys(DEFAULT_FAULTS) as Array<keyof SandboxFaults>;
const NUMBER_FAULTS = FAULT_KEYS.filter((k) => typeof DEFAULT_FAULTS[k] === 'number');
const PROBABILITIES = ['p429', 'p500', 'p503', 'pReset'] as const;
const SCRIPT_KINDS: readonly string[] = ['429', '500', '503', 'reset', '401'];

function fail(message: string): never {
  throw new ConfigError(`Sandbox option ${message}`, { code: 'SANDBOX_INVALID_OPTION' });
}

/** Validates a partial fault update (from code, JSON or CLI) and returns it typed. */
export function validateFaults(input: Record<string, unknown>): Partial<SandboxFaults> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (!(FAULT_KEYS as string[]).includes(key)) fail(`"${key}" is unknown; known: ${FAULT_KEYS.join(', ')}`);
    out[key] = value;
  }
  for (const key of NUMBER_FAULTS) {
    const v = out[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      fail(`"${key}" must be a non-negative number (got ${JSON.stringify(v)})`);
    }
  }
  for (const key of PROBABILITIES) {
    const v = out[key];
    if (typeof v === 'number' && v > 1) fail(`"${key}" is a probability between 0 and 1 (got ${v})`);
  }
  checkEnum(out, 'rotateRefreshToken', ['every', 'daily']);
  checkEnum(out, 'throttleFormat', ['json', 'xml']);
  if (out.literalTimeZone !== undefined) checkTimeZone(out.literalTimeZone);
  if (out.script !== undefined) checkScript(out.script);
  return out as Partial<SandboxFaults>;
}

function checkEnum(out: Record<string, unknown>, key: string, allowed: string[]): void {
  if (out[key] !== undefined && !allowed.includes(out[key] as string)) {
    fail(`"${key}" must be one of ${allowed.join(', ')} (got ${JSON.stringify(out[key])})`);
  }
}

export function checkTimeZone(zone: unknown): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: String(zone) });
  } catch {
    fail(`time zone ${JSON.stringify(zone)} is not an IANA zone name (e.g. America/Los_Angeles)`);
  }
}

function checkScript(script: unknown): void {
  if (!Array.isArray(script)) fail('"script" must be an array of {request, fault}');
  for (const step of script as unknown[]) {
    const s = step as Partial<ScriptedFault> | null;
    if (!s || !Number.isInteger(s.request) || (s.request as number) < 1 || !SCRIPT_KINDS.includes(String(s.fault))) {
      fail(`"script" step ${JSON.stringify(step)} must be {request: n >= 1, fault: ${SCRIPT_KINDS.join('|')}}`);
    }
  }
}

/** Merges options over the defaults and validates them once. */
export function resolveOptions(input: Partial<SandboxOptions> = {}): SandboxOptions {
  const faultInput: Record<string, unknown> = {};
  for (const key of FAULT_KEYS) if (input[key] !== undefined) faultInput[key] = input[key];
  validateFaults(faultInput);
  const merged: SandboxOptions = { ...DEFAULT_OPTIONS, ...stripUndefined(input) };
  for (const key of ['port', 'seed', 'customers', 'items', 'invoices'] as const) {
    if (!Number.isInteger(merged[key]) || merged[key] < 0) fail(`"${key}" must be a non-negative integer`);
  }
  if (merged.customers < 1 || merged.items < 1) fail('"customers" and "items" must be at least 1');
  const start = Date.parse(merged.historyStart);
  const end = Date.parse(merged.historyEnd);
  if (!(start < end)) fail(`history span ${merged.historyStart} .. ${merged.historyEnd} is empty or invalid`);
  checkTimeZone(merged.companyTimeZone);
  return merged;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
