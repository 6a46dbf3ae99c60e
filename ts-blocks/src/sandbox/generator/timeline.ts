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
    return this.clamp(this.dayStart[lo] + timeOfDaySec(rng) * 1000);
  }

  /** `ms` moved forward by a heavy-tailed delay (minutes to years), kept inside the span. */
  later(rng: Rng, ms: number, scaleDays: number): number {
    const days = scaleDays * (Math.pow(1 - rng.next(), -1 / 1.1) - 1);
    return this.clamp(ms + Math.max(60_000, days * DAY_MS));
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
