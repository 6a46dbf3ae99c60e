/**
 * What QBO's limits see of the load: every QBO API request from its arrival to its answer (or dropped connection),
 * the ones refused with 429 or failed by an injected fault included, since QBO counts those too. It records the
 * most requests ever open at once and the most that arrived within any rolling minute, so a run can prove it never
 * went beyond QBO's 10 in flight or 500 per minute (the limiter, by contrast, counts only the requests it admits).
 */
import { RollingMinute } from './rolling-minute';

export class LoadMeter {
  private open = 0;
  private readonly arrivals = new RollingMinute();
  peakOpen = 0;
  peakPerMinute = 0;
  /** Request-milliseconds open so far (the integral of `open` over real time, performance.now). */
  private openMs = 0;
  private openSince = performance.now();

  /** The integral of requests open over real time so far, ms: over a span, its growth / the span = the mean open. */
  openRequestMs(): number {
    this.account();
    return this.openMs;
  }

  private account(): void {
    const t = performance.now();
    this.openMs += this.open * (t - this.openSince);
    this.openSince = t;
  }

  /**
   * A request arrived at `now` (epoch ms) counting `weight` toward the minute (a batch: one per item, as QBO meters
   * it); call the returned function once when it is answered or dropped.
   */
  arrive(now: number, weight = 1): () => void {
    this.account();
    this.open += 1;
    this.peakOpen = Math.max(this.peakOpen, this.open);
    const inMinute = this.arrivals.expire(now) + weight;
    this.arrivals.add(now, weight);
    this.peakPerMinute = Math.max(this.peakPerMinute, inMinute);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.account();
      this.open -= 1;
    };
  }
}
