/**
 * Per-realm request limiter: at most `maxInFlight` requests at once and at most `requestsPerWindow` request
 * starts in any rolling `rateWindowMs`. Every HTTP attempt (retries included) takes a slot, because QBO counts
 * attempts. A 429 pauses the whole realm (`pause`), not just the request that got it. Waiters are served FIFO.
 * This process's caps can be changed while it runs (`setCaps`): shared-limiter.ts lowers them when other
 * processes work the same realm, so all of them together stay within QBO's per-company limits.
 */
import type { Clock } from './clock';

export interface LimiterCaps {
  readonly maxInFlight: number;
  readonly requestsPerWindow: number;
}

export interface LimiterOptions extends LimiterCaps {
  readonly rateWindowMs: number;
}

export interface LimiterStats {
  readonly inFlight: number;
  readonly queued: number;
  /** Requests started within the current rolling window. */
  readonly startedInWindow: number;
  /** Epoch ms of the latest start still within the window (undefined: none). */
  readonly lastStartAt?: number;
  readonly maxInFlightSeen: number;
  /** The caps in force now. */
  readonly caps: LimiterCaps;
  /** Epoch ms before which nothing starts (0: not paused). */
  readonly pausedUntil: number;
}

export type Release = () => void;

export interface RealmLimiter {
  /** Waits for a slot; call the returned function exactly once when the response (or error) is in. */
  acquire(signal?: AbortSignal): Promise<Release>;
  /** Starts nothing before `untilMs` (epoch ms), e.g. after a 429. */
  pause(untilMs: number): void;
  /** Replaces the caps (0 stops new starts); requests already started are not affected. */
  setCaps(caps: LimiterCaps): void;
  stats(): LimiterStats;
}

interface Waiter {
  grant: (release: Release) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export function createRealmLimiter(options: LimiterOptions, clock: Clock): RealmLimiter {
  const starts: number[] = [];
  const queue: Waiter[] = [];
  let inFlight = 0;
  let maxInFlightSeen = 0;
  let pausedUntil = 0;
  let caps: LimiterCaps = { maxInFlight: options.maxInFlight, requestsPerWindow: options.requestsPerWindow };
  let wakeAt: number | undefined;

  const prune = (now: number) => {
    while (starts.length > 0 && starts[0]! <= now - options.rateWindowMs) starts.shift();
  };

  const releaseOnce = (): Release => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      inFlight -= 1;
      pump();
    };
  };

  const scheduleWake = (at: number) => {
    if (wakeAt !== undefined && wakeAt <= at) return;
    wakeAt = at;
    clock.sleep(Math.max(0, at - clock.now())).then(() => {
      if (wakeAt === at) wakeAt = undefined;
      pump();
    });
  };

  function pump(): void {
    while (queue.length > 0 && inFlight < caps.maxInFlight) {
      const now = clock.now();
      prune(now);
      if (now < pausedUntil) return scheduleWake(pausedUntil);
      if (starts.length >= caps.requestsPerWindow) {
        const oldest = starts[starts.length - caps.requestsPerWindow];
        return oldest === undefined ? undefined : scheduleWake(oldest + options.rateWindowMs);
      }
      const waiter = queue.shift()!;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      starts.push(now);
      inFlight += 1;
      maxInFlightSeen = Math.max(maxInFlightSeen, inFlight);
      waiter.grant(releaseOnce());
    }
  }

  return {
    acquire(signal?: AbortSignal): Promise<Release> {
      if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
      return new Promise<Release>((grant, reject) => {
        const waiter: Waiter = { grant, reject, signal };
        if (signal) {
          waiter.onAbort = () => {
            const i = queue.indexOf(waiter);
            if (i >= 0) queue.splice(i, 1);
            reject(signal.reason ?? new Error('aborted'));
          };
          signal.addEventListener('abort', waiter.onAbort, { once: true });
        }
        queue.push(waiter);
        pump();
      });
    },
    pause(untilMs: number): void {
      pausedUntil = Math.max(pausedUntil, untilMs);
    },
    setCaps(next: LimiterCaps): void {
      caps = { maxInFlight: next.maxInFlight, requestsPerWindow: next.requestsPerWindow };
      pump();
    },
    stats(): LimiterStats {
      prune(clock.now());
      return { inFlight, queued: queue.length, startedInWindow: starts.length, lastStartAt: starts[starts.length - 1], maxInFlightSeen, caps, pausedUntil };
    },
  };
}
