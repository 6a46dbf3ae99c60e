/** A manual clock: time moves only when the test says; sleeps resolve when their time is reached. */
import type { Clock } from '../../src/http/clock';

export class ManualClock implements Clock {
  private sleepers: Array<{ at: number; resolve: () => void }> = [];
  readonly sleeps: number[] = [];

  constructor(private current = Date.UTC(2024, 0, 1)) {}

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => {
      this.sleepers.push({ at: this.current + ms, resolve });
      this.sleepers.sort((a, b) => a.at - b.at);
    });
  }

  /** Moves time forward, waking sleepers in order; lets promise callbacks run in between. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await flush();
      const next = this.sleepers[0];
      if (!next || next.at > target) break;
      this.sleepers.shift();
      this.current = next.at;
      next.resolve();
    }
    this.current = target;
    await flush();
  }
}

export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await new Promise<void>((r) => setImmediate(r));
}

/**
 * A fast-forward clock: a sleep returns at once and moves this clock's time forward by what was asked, so code
 * that waits for a moment (a 60 s throttle pause) sees it has passed. Records every sleep.
 */
export function instantClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      offset += Math.max(0, ms);
    },
    sleeps,
  };
}
