/**
 * What QBO's limits see of the load: every QBO API request from its arrival to its answer (or dropped connection),
 * the ones refused with 429 or failed by an injected fault included, since QBO counts those too. It records the
 * most requests ever open at once and the most that arrived within any rolling minute, so a run can prove it never
 * went beyond QBO's 10 in flight or 500 per minute (the limiter, by contrast, counts only the requests it admits).
 */
const MINUTE_MS = 60_000;

export class LoadMeter {
  private open = 0;
  private readonly arrivals: number[] = [];
  private head = 0;
  peakOpen = 0;
  peakPerMinute = 0;

  /**
   * A request arrived at `now` (epoch ms) counting `weight` toward the minute (a batch: one per item, as QBO meters
   * it); call the returned function once when it is answered or dropped.
   */
  arrive(now: number, weight = 1): () => void {
    this.open += 1;
    this.peakOpen = Math.max(this.peakOpen, this.open);
    while (this.head < this.arrivals.length && this.arrivals[this.head]! <= now - MINUTE_MS) this.head += 1;
    if (this.head > 1024) {
      this.arrivals.splice(0, this.head);
      this.head = 0;
    }
    for (let i = 0; i < weight; i += 1) this.arrivals.push(now);
    this.peakPerMinute = Math.max(this.peakPerMinute, this.arrivals.length - this.head);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.open -= 1;
    };
  }
}
