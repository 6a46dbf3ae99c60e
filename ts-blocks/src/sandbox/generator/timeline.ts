/**
 * When things happen in a small business: more activity as the company grows, busy month-ends and quarter-ends,
 * a busy December and tax season, quiet weekends and holidays, work mostly in business hours (company time).
 */
import type { Rng } from '../random';
import { DAY_MS, wallToEpoch } from '../time';

export class Timeline {
  private readonly firstDay: number;
  private readonly cdf: Float64Array;
  private readonly dayStart: Float64Array;

  constructor(
    readonly startMs: number,
    readonly endMs: number,
    private readonly zone: string,
  ) {
    this.firstDay = Math.floor(startMs / DAY_MS);
    const days = Math.max(1, Math.ceil((endMs - this.firstDay * DAY_MS) / DAY_MS));
    this.cdf = new Float64Array(days);
    this.dayStart = new Float64Array(days);
    let total = 0;
    for (let d = 0; d < days; d++) {
      const date = new Date((this.firstDay + d) * DAY_MS);
      total += dayWeight(date, d / days);
      this.cdf[d] = total;
      this.dayStart[d] = wallToEpoch(zone, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
    }
  }

  /** A moment of business activity, in epoch ms, inside [startMs, endMs). */
  sample(rng: Rng): number {
    const target = rng.next() * this.cdf[this.cdf.length - 1];
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    const day = this.dayStart[lo];
    const at = day + timeOfDaySec(rng) * 1000;
    // The span may end part-way through its last (company-time) day: a time past the end wraps into the part of
    // the day that is inside, instead of piling up on the span's last second.
    const open = this.endMs - 1000 - day;
    return this.clamp(at >= this.endMs - 1000 && open > 0 ? day + ((at - day) % open) : at);
  }

  /**
   * `ms` moved forward by a heavy-tailed delay (minutes to years), kept inside the span. A delay that would pass the
   * span's end lands uniformly between `ms` and the end instead (from the same draw: given that it overflows, 1 - u
   * is uniform below the overflow threshold), so late updates spread over the last stretch of the history rather
   * than piling up on its last second.
   */
  later(rng: Rng, ms: number, scaleDays: number): number {
    const tail = 1 - rng.next();
    const delay = Math.max(60_000, scaleDays * (Math.pow(tail, -1 / 1.1) - 1) * DAY_MS);
    const room = this.endMs - 1000 - ms;
    if (delay < room) return this.clamp(ms + delay);
    if (room <= 0) return this.clamp(ms);
    const threshold = Math.pow(1 + room / (scaleDays * DAY_MS), -1.1);
    return this.clamp(ms + room * (1 - Math.min(1, tail / threshold)));
  }

  clamp(ms: number): number {
    return Math.min(this.endMs - 1000, Math.max(this.startMs, ms));
  }
}

function dayWeight(date: Date, progress: number): number {
  const dow = date.getUTCDay();
  const month = date.getUTCMonth();
  const dom = date.getUTCDate();
  const daysInMonth = new Date(Date.UTC(date.getUTCFullYear(), month + 1, 0)).getUTCDate();
  let w = 0.6 + 1.4 * progress; // the company grows
  if (dow === 0) w *= 0.05;
  else if (dow === 6) w *= 0.15;
  if (dom > daysInMonth - 4) w *= 1.8; // month-end invoicing
  if ((month + 1) % 3 === 0 && dom > daysInMonth - 7) w *= 1.4; // quarter-end
  if (month === 11) w *= dom > 22 ? 0.3 : 1.4; // December rush, then the holidays
  if (month <= 3) w *= 1.2; // tax season
  if (month === 6 || month === 7) w *= 0.75; // summer
  if (month === 0 && dom === 1) w *= 0.05;
  return w;
}

/** Seconds after local midnight: mostly 8:00-18:00, a few early or late entries. */
function timeOfDaySec(rng: Rng): number {
  const r = rng.next();
  const hour = r < 0.9 ? 8 + rng.next() * 10 : r < 0.97 ? 18 + rng.next() * 5 : 5 + rng.next() * 3;
  return Math.floor(hour * 3600);
}
