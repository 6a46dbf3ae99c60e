/**
 * An axios instance with the project's retry policy (axios-retry) and, for the QBO API, the realm limiter:
 *  - every attempt goes through the limiter (a custom adapter around axios' own), so retries are paced too;
 *  - retryCondition asks classify.ts; only RetriableError kinds are retried, up to `maxRetries`;
 *  - the wait happens in onRetry through the injected Clock (axios-retry's own timer gets 0), so tests never
 *    sleep; a 429 without Retry-After waits by the client's books (throttle-wait.ts: short while they show room,
 *    the full window when 429s persist), one with Retry-After as long as it says, pausing the realm; every retry
 *    emits a `retry` event.
 */
import axios, { type AxiosAdapter, type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import axiosRetry from 'axios-retry';
import { isRetriableError, type BackfillError } from '../core/errors';
import { nullSink, type EventSink, type Phase } from '../core/events';
import { QBO_SERVER_TIMEOUT_MS, type Limits } from '../config/limits';
import { parseKeepingBytes } from '../query/raw-json';
import { fromAxiosError } from './axios-errors';
import { retryDelayMs } from './backoff';
import { callName, mayStillRun, type CallDescriptor } from './classify';
import type { Clock } from './clock';
import type { RealmLimiter } from './limiter';
import { throttleWait, ThrottleStreak, type ThrottleReason } from './throttle-wait';

export interface RetryingAxiosOptions {
  readonly call: CallDescriptor;
  readonly limits: Limits;
  readonly clock: Clock;
  readonly baseURL?: string;
  readonly limiter?: RealmLimiter;
  readonly random?: () => number;
  readonly emit?: EventSink;
  readonly phase?: Phase;
}

function limitedAdapter(limiter: RealmLimiter | undefined, clock: Clock, serverTimeoutMs: number, streak: ThrottleStreak): AxiosAdapter {
  const http = axios.getAdapter('http');
  return async (config: InternalAxiosRequestConfig) => {
    const release = limiter ? await limiter.acquire(config.signal as AbortSignal | undefined) : () => undefined;
    const sentAt = clock.now();
    const metrics = config.qbo?.metrics;
    if (metrics) metrics.api_calls += 1;
    let holdUntil: number | undefined;
    try {
      const response = await http(config);
      streak.answered();
      return response;
    } catch (e) {
      const throttled = axios.isAxiosError(e) && e.response?.status === 429;
      if (throttled) streak.throttled();
      else streak.answered();
      if (metrics && throttled) metrics.throttled += 1;
      // Given up without a response: QBO may still be running it until its own timeout, and counts it till then.
      if (mayStillRun(e)) holdUntil = sentAt + serverTimeoutMs;
      throw e;
    } finally {
      release(holdUntil);
    }
  };
}

/**
 * The wait before a retry: a 429 without Retry-After by the client's books (throttle-wait.ts); anything else by
 * backoff.ts (Retry-After first, else exponential backoff with jitter). A 429 with Retry-After pauses the realm.
 */
function waitFor(
  attempt: number, error: BackfillError, options: RetryingAxiosOptions, streak: ThrottleStreak,
): { delay: number; pauseRealm: boolean; reason?: ThrottleReason } {
  const { limits, clock, limiter } = options;
  if (error.status === 429 && !(isRetriableError(error) && error.retryAfterMs !== undefined)) {
    const books = { streak: streak.current, limiter: limiter?.stats() ?? {}, now: clock.now() };
    const wait = throttleWait(books, limits, options.random);
    return { delay: wait.ms, pauseRealm: wait.pauseRealm, reason: wait.reason };
  }
  return { delay: retryDelayMs(attempt, error, limits, options.random), pauseRealm: error.status === 429 };
}

export function createRetryingAxios(options: RetryingAxiosOptions): AxiosInstance {
  const { call, limits, clock } = options;
  const emit = options.emit ?? nullSink;
  const streak = new ThrottleStreak();
  const instance = axios.create({
    baseURL: options.baseURL,
    timeout: limits.requestTimeoutMs,
    adapter: limitedAdapter(options.limiter, clock, QBO_SERVER_TIMEOUT_MS, streak),
    // Redirects would re-send the Authorization header to wherever they point: refuse them.
    maxRedirects: 0,
    // Bodies as bytes, JSON.parsed as axios would, the bytes kept on a parsed query answer (query/raw-json.ts).
    responseType: 'arraybuffer',
    transformResponse: [parseKeepingBytes],
  });
  axiosRetry(instance, {
    retries: limits.maxRetries,
    shouldResetTimeout: true,
    retryCondition: (error) => isRetriableError(fromAxiosError(call, error, clock.now())),
    retryDelay: () => 0,
    onRetry: async (attempt, error, config) => {
      const classified = fromAxiosError(call, error, clock.now());
      const { delay, pauseRealm, reason } = waitFor(attempt, classified, options, streak);
      if (pauseRealm) options.limiter?.pause(clock.now() + delay);
      const context = config.qbo;
      if (context) context.metrics.retries += 1;
      emit({
        type: 'retry',
        phase: options.phase ?? 'extract',
        attempt,
        delay_ms: delay,
        ...(classified.status === undefined ? {} : { status: classified.status }),
        code: classified.code,
        url: callName(call),
        ...(call.host === undefined ? {} : { host: call.host }),
        ...(typeof classified.context.network_code === 'string' ? { network_code: classified.context.network_code } : {}),
        max_retries: limits.maxRetries,
        ...(reason ? { wait_reason: reason } : {}),
      });
      await clock.sleep(delay, context?.signal);
    },
  });
  return instance;
}
