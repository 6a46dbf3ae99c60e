/**
 * Per-realm limits: `rateLimitPerMin` accepted requests in any rolling minute and `maxInFlight` concurrent ones.
 * Beyond either, QBO answers 429 ThrottleExceeded. Throttled requests do not count toward the window. A request
 * may weigh more than one (a batch counts each of its items, as QBO meters them).
 */
import { RollingMinute } from './rolling-minute';

export class RealmLimiter {
  private readonly window = new RollingMinute();
  inFlight = 0;
  maxInFlightSeen = 0;

  /** Whether a request of `weight` would be admitted at `now` (epoch ms); changes nothing but the expiry. */
  admits(now: number, rateLimitPerMin: number, maxInFlight: number, weight = 1): boolean {
    // The sandbox clock was set back: nothing in the window is inside the minute that ends now.
    if (this.window.hasAfter(now)) this.window.clear();
    return this.inFlight < maxInFlight && this.window.expire(now) + weight <= rateLimitPerMin;
  }

  /** Admits a request at `now` (epoch ms) or refuses it; an admitted request must be `release`d. */
  tryAcquire(now: number, rateLimitPerMin: number, maxInFlight: number, weight = 1): boolean {
    if (!this.admits(now, rateLimitPerMin, maxInFlight, weight)) return false;
    this.window.add(now, weight);
    this.inFlight++;
    this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.inFlight);
    return true;
  }

  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** Requests counted in the rolling minute ending at `now`. */
  inWindow(now: number): number {
    return this.window.within(now);
  }
}
