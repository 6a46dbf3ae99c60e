import { createRealmLimiter, type Release } from '../../src/http/limiter';
import { ManualClock, flush } from './test-clock';

describe('realm limiter', () => {
  it('never lets more than maxInFlight requests run at once', async () => {
    const clock = new ManualClock();
    const limiter = createRealmLimiter({ maxInFlight: 3, requestsPerWindow: 100, rateWindowMs: 60_000 }, clock);
    const granted: Release[] = [];
    for (let i = 0; i < 5; i += 1) void limiter.acquire().then((r) => granted.push(r));
    await flush();
    expect(granted).toHaveLength(3);
    expect(limiter.stats()).toMatchObject({ inFlight: 3, queued: 2 });
    granted[0]!();
    granted[0]!(); // a second release of the same slot changes nothing
    await flush();
    expect(granted).toHaveLength(4);
    expect(limiter.stats()).toMatchObject({ inFlight: 3, queued: 1, maxInFlightSeen: 3 });
  });

  it('starts at most requestsPerWindow requests in any rolling window', async () => {
    const clock = new ManualClock();
    const limiter = createRealmLimiter({ maxInFlight: 10, requestsPerWindow: 4, rateWindowMs: 60_000 }, clock);
    const startedAt: number[] = [];
    const all = Array.from({ length: 10 }, () =>
      limiter.acquire().then((release) => {
        startedAt.push(clock.now());
        release();
      }),
    );
    await flush();
    expect(startedAt).toHaveLength(4);
    await clock.advance(59_999);
    expect(startedAt).toHaveLength(4);
    await clock.advance(1);
    expect(startedAt).toHaveLength(8);
    await clock.advance(60_000);
    await Promise.all(all);
    for (let i = 0; i < startedAt.length; i += 1) {
      const inWindow = startedAt.filter((t) => t > startedAt[i]! - 60_000 && t <= startedAt[i]!);
      expect(inWindow.length).toBeLessThanOrEqual(4);
    }
  });

  it('holds every new request while paused after a 429', async () => {
    const clock = new ManualClock();
    const limiter = createRealmLimiter({ maxInFlight: 10, requestsPerWindow: 100, rateWindowMs: 60_000 }, clock);
    limiter.pause(clock.now() + 5_000);
    let granted = false;
    void limiter.acquire().then(() => {
      granted = true;
    });
    await clock.advance(4_999);
    expect(granted).toBe(false);
    await clock.advance(1);
    expect(granted).toBe(true);
  });

  it('drops a waiter whose signal aborts', async () => {
    const clock = new ManualClock();
    const limiter = createRealmLimiter({ maxInFlight: 1, requestsPerWindow: 100, rateWindowMs: 60_000 }, clock);
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(limiter.stats().queued).toBe(0);
  });
});

describe('a request given up without a response', () => {
  it('keeps its slot until the time its release names, then frees it', async () => {
    const clock = new ManualClock();
    const limiter = createRealmLimiter({ maxInFlight: 2, requestsPerWindow: 100, rateWindowMs: 60_000 }, clock);
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    first(clock.now() + 120_000);
    second(clock.now() - 1); // a hold already over frees at once
    let third: Release | undefined;
    let fourth: Release | undefined;
    void limiter.acquire().then((r) => (third = r));
    void limiter.acquire().then((r) => (fourth = r));
    await flush();
    expect(third).toBeDefined();
    expect(fourth).toBeUndefined();
    expect(limiter.stats()).toMatchObject({ inFlight: 2, held: 1, queued: 1 });
    await clock.advance(119_999);
    expect(fourth).toBeUndefined();
    await clock.advance(1);
    expect(fourth).toBeDefined();
    expect(limiter.stats()).toMatchObject({ inFlight: 2, held: 0, queued: 0 });
  });
});
