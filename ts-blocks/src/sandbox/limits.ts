/**
 * Per-realm limits: `rateLimitPerMin` accepted requests in any rolling minute and `maxInFlight` concurrent ones.
 * Beyond either, QBO answers 429 ThrottleExceeded. Throttled requests do not count toward the window.
 */
export class RealmLimiter {
  private readonly window: number[] = [];
  private head = 0;
  inFlight = 0;
  maxInFlightSeen = 0;

  /** Admits a request at `now` (epoch ms) or refuses it; an admitted request must be `release`d. */
  tryAcquire(now: number, rateLimitPerMin: number, maxInFlight: number): boolean {
    while (this.head < this.window.length && this.window[this.head] <= now - 60_000) this.head++;
    if (this.head > 1024) {
      this.window.splice(0, this.head);
      this.head = 0;
    }
    if (this.inFlight >= maxInFlight || this.window.length - this.head >= rateLimitPerMin) return false;
    this.window.push(now);
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
