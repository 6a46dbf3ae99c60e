/**
 * Client-side limits. QBO allows 500 requests per rolling minute and 10 concurrent requests per company (realm).
 * The minute's default stays a margin below 500, because the server counts its minute from when it receives a
 * request and our clock and its clock never agree exactly. In flight, the full 10 are used: a slot is freed only
 * when the response is in (QBO is done with it by then), and a request given up without a response keeps its
 * slot until QBO's own timeout would have ended it (http/limiter.ts), so we never count fewer than QBO does.
 */
import { ConfigError } from '../core/errors';
import { isAbsent, toInteger } from './coerce';

export interface Limits {
  /** Requests in flight per realm at once (QBO: 10). */
  readonly maxInFlight: number;
  /** Requests started per rolling window per realm (QBO: 500 per minute). */
  readonly requestsPerWindow: number;
  /** The rolling window: a minute plus a margin for clock and network skew. */
  readonly rateWindowMs: number;
  /** Retries of one request on 408/429/5xx/network errors before it fails. */
  readonly maxRetries: number;
  /** Exponential backoff: attempt n waits a random time in [0, min(retryMaxMs, retryBaseMs * 2^n)]. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Wait after a 429 without Retry-After once 429s persist (Intuit: wait 60 s); see http/throttle-wait.ts. */
  readonly throttleWaitMs: number;
  /** Short wait after a 429 without Retry-After while the client's books show room (doubled per 429 in a row). */
  readonly throttleShortMs: number;
  /** This many 429s in a row (without Retry-After) mean they persist: the full throttleWaitMs then. */
  readonly throttlePersistAfter: number;
  /** Consecutive failed chunks that open the circuit breaker and stop the run. */
  readonly breakerThreshold: number;
  /** An access token is refreshed this long before it expires (capped at half its lifetime). */
  readonly tokenSkewMs: number;
  /** Per-request timeout (QBO itself gives up after 120 s). */
  readonly requestTimeoutMs: number;
  /**
   * How much the loader block lowers its CPU priority (nice): its pace is set by QBO's limits, so its bursts of page
   * parsing can wait a few milliseconds for the exporters and validators sharing the machine (0: unchanged).
   */
  readonly loaderNiceness: number;
}

/** QBO ends a request it has run this long (QBO_API.md: requests time out after 120 s). */
export const QBO_SERVER_TIMEOUT_MS = 120_000;

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxInFlight: 10,
  requestsPerWindow: 450,
  rateWindowMs: 61_000,
  maxRetries: 6,
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
  throttleWaitMs: 60_000,
  throttleShortMs: 1_000,
  throttlePersistAfter: 3,
  breakerThreshold: 3,
  tokenSkewMs: 300_000,
  requestTimeoutMs: 120_000,
  loaderNiceness: 4,
});

/** Setting name → [Limits key, minimum, maximum]. */
export const LIMIT_SETTINGS: Readonly<Record<string, readonly [keyof Limits, number, number]>> = Object.freeze({
  QBO_MAX_IN_FLIGHT: ['maxInFlight', 1, 10],
  QBO_REQUESTS_PER_MINUTE: ['requestsPerWindow', 1, 500],
  QBO_RATE_WINDOW_MS: ['rateWindowMs', 1_000, 600_000],
  QBO_MAX_RETRIES: ['maxRetries', 0, 100],
  QBO_RETRY_BASE_MS: ['retryBaseMs', 0, 600_000],
  QBO_RETRY_MAX_MS: ['retryMaxMs', 0, 3_600_000],
  QBO_THROTTLE_WAIT_MS: ['throttleWaitMs', 0, 3_600_000],
  QBO_THROTTLE_SHORT_MS: ['throttleShortMs', 0, 600_000],
  QBO_THROTTLE_PERSIST_AFTER: ['throttlePersistAfter', 1, 100],
  QBO_BREAKER_THRESHOLD: ['breakerThreshold', 1, 1_000],
  QBO_TOKEN_SKEW_MS: ['tokenSkewMs', 0, 3_600_000],
  QBO_REQUEST_TIMEOUT_MS: ['requestTimeoutMs', 1_000, 600_000],
  QBO_LOADER_NICENESS: ['loaderNiceness', 0, 19],
});

/** Reads the optional limit settings; `lookup` returns a setting's raw value (secret or environment). */
export function readLimits(lookup: (name: string) => string | undefined): Limits {
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  const problems: string[] = [];
  for (const [name, [key, min, max]] of Object.entries(LIMIT_SETTINGS)) {
    const raw = lookup(name);
    if (isAbsent(raw)) continue;
    const n = toInteger(raw);
    if (n === undefined || n < min || n > max) problems.push(`${name} must be an integer from ${min} to ${max}`);
    else out[key] = n;
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid setting: ${problems.join('; ')}.`, { code: 'CONFIG_INVALID_SETTING', context: { problems } });
  }
  return Object.freeze(out as unknown as Limits);
}
