/**
 * How long to wait before retry number `attempt` (1-based): the server's Retry-After first, otherwise exponential
 * backoff with full jitter, a random time in [0, min(retryMaxMs, retryBaseMs * 2^(attempt-1))]. A 429 without
 * Retry-After is not decided here: the retrying client waits by its books (throttle-wait.ts).
 */
import type { BackfillError } from '../core/errors';
import { isRetriableError } from '../core/errors';

export interface BackoffOptions {
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
}

/** Never wait longer than this, whatever a Retry-After says. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

export function retryDelayMs(attempt: number, error: BackfillError, options: BackoffOptions, random: () => number = Math.random): number {
  if (isRetriableError(error) && error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, MAX_RETRY_AFTER_MS);
  const ceiling = Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
