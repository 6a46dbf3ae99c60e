/**
 * Per-realm request limiter: at most `maxInFlight` requests at once and at most `requestsPerWindow` request
 * starts in any rolling `rateWindowMs`. Every HTTP attempt (retries included) takes a slot, because QBO counts
 * attempts. A 429 pauses the whole realm (`pause`), not just the request that got it. Waiters are served FIFO.
 * This process's caps can be changed while it runs (`setCaps`): shared-limiter.ts lowers them when other
 * processes work the same realm, so all of them together stay within QBO's per-company limits.
 * A slot is normally freed when the response is in, which is after QBO has finished the request. A request given
 * up without a response (timeout, dropped connection, cancel) may still be running at QBO, which counts it until it
 * ends or QBO's own timeout ends it; its release says until when (`release(holdUntilMs)`) and the slot stays taken
 * until then. So the requests this limiter counts in flight always cover the ones QBO counts, and the full budget
 * of 10 can be used without a margin.
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
  /** Requests in flight, those given up but maybe still running at QBO included. */
  readonly inFlight: number;
  /** Of inFlight, requests given up without a response whose slot is held (see Release). */
  readonly held: number;
  /** Epoch ms when the last held slot is freed (0: none held). */
  readonly heldUntil: number;
  readonly queued: number;
  /** Requests started within the current rolling window. */
  readonly startedInWindow: number;
  /** Epoch ms of the latest start still within the window (undefined: none). */
  readonly lastStartAt?: number;
  /**
   * When this process's minute is spent (its starts in the window reached its cap): the epoch ms at which one more
   * may start, as the start that makes room leaves the window. Undefined while there is room (or the cap is 0).
   */
  readonly windowRoomAt?: number;
  readonly maxInFlightSeen: number;
  /** The caps in force now. */
  readonly caps: LimiterCaps;
  /** Epoch ms before which nothing starts (0: not paused). */
  readonly pausedUntil: number;
}

/** Frees the slot; with `holdUntilMs` (epoch ms) in the future, only then (QBO may still be running it). */
export type Release = (holdUntilMs?: number) => void;

export interface RealmLimiter {
  /**
   * Waits for a slot; call the returned function once when the response (or error) is in, with the time until
   * which QBO may still count the request if it was given up without a response.
   */
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
  /** Slots of requests given up without a response, still held (counted in inFlight), and the last one's end. */
  let held = 0;
  let heldUntil = 0;
  let maxInFlightSeen = 0;
  let pausedUntil = 0;
  let caps: LimiterCaps = { maxInFlight: options.maxInFlight, requestsPerWindow: options.requestsPerWindow };
  let wakeAt: number | undefined;

  const prune = (now: number) => {
    while (starts.length > 0 && starts[0]! <= now - options.rateWindowMs) starts.shift();
  };

  const free = () => {
    inFlight -= 1;
    pump();
  };

  const releaseOnce = (): Release => {
    let done = false;
    return (holdUntilMs?: number) => {
      if (done) return;
      done = true;
      const holdMs = holdUntilMs === undefined ? 0 : holdUntilMs - clock.now();
      if (holdMs > 0) {
        held += 1;
        heldUntil = Math.max(heldUntil, holdUntilMs!);
        // In the background: a process that is done may exit without waiting for QBO to forget the request.
        void clock.sleep(holdMs, undefined, { background: true }).then(() => {
          held -= 1;
          if (held === 0) heldUntil = 0;
          free();
        });
      } else free();
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

  const roomAt = (): number | undefined => {
    const makesRoom = starts[starts.length - caps.requestsPerWindow];
    return caps.requestsPerWindow > 0 && makesRoom !== undefined ? makesRoom + options.rateWindowMs : undefined;
  };

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
      return {
        inFlight, held, heldUntil, queued: queue.length, startedInWindow: starts.length, lastStartAt: starts[starts.length - 1],
        windowRoomAt: roomAt(), maxInFlightSeen, caps, pausedUntil,
      };
    },
  };
}
