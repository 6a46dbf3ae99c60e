/**
 * How long to wait after a 429 that came without Retry-After. QBO answers 429 for two reasons — more than 10
 * requests of the company in flight, or more than 500 started in its minute — and other apps on the same company
 * share both limits, so a 429 alone does not say the minute is spent. The client decides from its own books:
 *  - 429s keep coming (`persistAfter` in a row, whatever answered in between resets the count): QBO means it —
 *    wait the full window (`throttleWaitMs`, Intuit's advice) and pause the realm;
 *  - this process's share of the minute is spent (its starts in the rolling window reached its cap, which the
 *    leases keep within the realm's budget with the other processes'): wait until its oldest start leaves the
 *    window, and pause the realm until then;
 *  - otherwise its books show room: a short jittered wait for this request only (`shortMs` doubled per 429 in the
 *    row, a random time in its upper half), since the other requests in flight are within the limits as far as
 *    anyone here can tell.
 */
import type { LimiterStats } from './limiter';

export interface ThrottleWaitOptions {
  /** The full wait (Intuit: 60 s), once 429s persist. */
  readonly throttleWaitMs: number;
  /** The short wait's base, doubled per consecutive 429. */
  readonly throttleShortMs: number;
  /** This many 429s in a row means they persist. */
  readonly throttlePersistAfter: number;
}

/** What the client knows when the 429 comes back. */
export interface ThrottleBooks {
  /** 429s in a row in this process, this one included. */
  readonly streak: number;
  readonly limiter: Pick<LimiterStats, 'windowRoomAt'>;
  readonly now: number;
}

export type ThrottleReason = 'room' | 'minute_spent' | 'persistent';

export interface ThrottleWait {
  readonly ms: number;
  readonly reason: ThrottleReason;
  /** True when the whole realm waits too (not only this request). */
  readonly pauseRealm: boolean;
}

export function throttleWait(books: ThrottleBooks, o: ThrottleWaitOptions, random: () => number = Math.random): ThrottleWait {
  if (books.streak >= o.throttlePersistAfter) return { ms: o.throttleWaitMs, reason: 'persistent', pauseRealm: true };
  const { windowRoomAt } = books.limiter;
  if (windowRoomAt !== undefined) {
    return { ms: Math.min(o.throttleWaitMs, Math.max(0, windowRoomAt - books.now)), reason: 'minute_spent', pauseRealm: true };
  }
  const ceiling = Math.min(o.throttleWaitMs, o.throttleShortMs * 2 ** Math.max(0, books.streak - 1));
  return { ms: Math.floor(ceiling / 2 + (random() * ceiling) / 2), reason: 'room', pauseRealm: false };
}

/** 429s in a row as this process sees them: a 429 adds one, any other answer (or a dropped request) resets. */
export class ThrottleStreak {
  private count = 0;

  throttled(): number {
    this.count += 1;
    return this.count;
  }

  answered(): void {
    this.count = 0;
  }

  get current(): number {
    return this.count;
  }
}
