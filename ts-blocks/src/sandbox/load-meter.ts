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

  /**
   * A request arrived at `now` (epoch ms) counting `weight` toward the minute (a batch: one per item, as QBO meters
   * it); call the returned function once when it is answered or dropped.
   */
  arrive(now: number, weight = 1): () => void {
    this.open += 1;
    this.peakOpen = Math.max(this.peakOpen, this.open);
    const inMinute = this.arrivals.expire(now) + weight;
    this.arrivals.add(now, weight);
    this.peakPerMinute = Math.max(this.peakPerMinute, inMinute);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.open -= 1;
    };
  }
}
