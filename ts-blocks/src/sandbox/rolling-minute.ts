/**
 * Arrival stamps (epoch ms) within a rolling minute: what the realm limiter admits against and what the load meter
 * peaks over. Stamps a minute old are dropped from the front as time passes; a request may add several (a batch).
 */
export const MINUTE_MS = 60_000;

export class RollingMinute {
  private readonly stamps: number[] = [];
  private head = 0;

  /** Drops the stamps a minute or more before `now`; returns how many are left. */
  expire(now: number): number {
    while (this.head < this.stamps.length && this.stamps[this.head]! <= now - MINUTE_MS) this.head++;
    if (this.head > 1024) {
      this.stamps.splice(0, this.head);
      this.head = 0;
    }
    return this.stamps.length - this.head;
  }

  /** Adds `weight` stamps at `now`. */
  add(now: number, weight = 1): void {
    for (let k = 0; k < weight; k++) this.stamps.push(now);
  }

  /** Whether a kept stamp is later than `now` (the sandbox clock was set back). */
  hasAfter(now: number): boolean {
    return this.stamps.length > this.head && this.stamps[this.stamps.length - 1]! > now;
  }

  clear(): void {
    this.stamps.length = 0;
    this.head = 0;
  }

  /** Stamps in the minute ending at `now`, without dropping any. */
  within(now: number): number {
    return this.stamps.slice(this.head).filter((t) => t > now - MINUTE_MS).length;
  }
}
