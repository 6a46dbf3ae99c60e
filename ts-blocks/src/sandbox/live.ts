/**
 * Live updates: while a client pages, records keep changing at `liveUpdatesPerMin` of sandbox clock. Driven by
 * incoming requests (each request first applies the updates due since the previous one), so tests with an
 * injected clock see exactly the updates their clock implies, without timers.
 */
import type { Company } from './generator/company';
import { applyMutation, randomMutation, type MutationResult } from './mutations';
import { Rng, hash32 } from './random';

const MAX_PER_TICK = 10_000;

export class LiveUpdater {
  private last: number;
  private carry = 0;
  private readonly rng: Rng;
  applied = 0;

  constructor(private readonly company: Company, seed: number, now: number) {
    this.rng = new Rng(hash32(seed, 0x11fe));
    this.last = now;
  }

  /** Restarts the schedule at `now` (used when the rate changes). */
  reset(now: number): void {
    this.last = now;
    this.carry = 0;
  }

  tick(now: number, perMin: number): MutationResult[] {
    const elapsed = Math.max(0, now - this.last);
    this.last = Math.max(this.last, now);
    if (perMin <= 0) return [];
    const due = this.carry + (elapsed * perMin) / 60_000;
    const n = Math.min(MAX_PER_TICK, Math.floor(due));
    this.carry = due - Math.floor(due);
    const out: MutationResult[] = [];
    for (let k = 0; k < n; k++) {
      out.push(applyMutation(this.company, randomMutation(this.company, this.rng), now, this.rng));
    }
    this.applied += n;
    return out;
  }
}
