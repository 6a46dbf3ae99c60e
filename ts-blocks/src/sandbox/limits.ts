/**
 * Per-realm limits: `rateLimitPerMin` accepted requests in any rolling minute and `maxInFlight` concurrent ones.
 * Beyond either, QBO answers 429 ThrottleExceeded. Throttled requests do not count toward the window. A request
 * may weigh more than one (a batch counts each of its items, as QBO meters them).
 */
export class RealmLimiter {
  private readonly window: number[] = [];
  private head = 0;
  inFlight = 0;
  maxInFlightSeen = 0;

  /** Whether a request of `weight` would be admitted at `now` (epoch ms); changes nothing but the expiry. */
  admits(now: number, rateLimitPerMin: number, maxInFlight: number, weight = 1): boolean {
    if (this.window.length > this.head && this.window[this.window.length - 1] > now) {
      // The sandbox clock was set back: nothing in the window is inside the minute that ends now.
      this.window.length = 0;
      this.head = 0;
    }
    while (this.head < this.window.length && this.window[this.head] <= now - 60_000) this.head++;
    if (this.head > 1024) {
      this.window.splice(0, this.head);
      this.head = 0;
    }
    return this.inFlight < maxInFlight && this.window.length - this.head + weight <= rateLimitPerMin;
  }

  /** Admits a request at `now` (epoch ms) or refuses it; an admitted request must be `release`d. */
  tryAcquire(now: number, rateLimitPerMin: number, maxInFlight: number, weight = 1): boolean {
    if (!this.admits(now, rateLimitPerMin, maxInFlight, weight)) return false;
    for (let k = 0; k < weight; k++) this.window.push(now);
    this.inFlight++;
    this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.inFlight);
    return true;
  }

  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** Requests counted in the rolling minute ending at `now`. */
  inWindow(now: number): number {
    return this.window.slice(this.head).filter((t) => t > now - 60_000).length;
  }
}
