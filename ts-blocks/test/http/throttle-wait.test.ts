import { createRealmLimiter } from '../../src/http/limiter';
import { throttleWait, ThrottleStreak, type ThrottleWaitOptions } from '../../src/http/throttle-wait';
import { ManualClock, flush } from './test-clock';

const OPTIONS: ThrottleWaitOptions = { throttleWaitMs: 60_000, throttleShortMs: 1_000, throttlePersistAfter: 3 };

describe('wait after a 429 without Retry-After', () => {
  it('waits a short jittered time for this request only while the books show room, doubling per 429 in a row', async () => {
    const clock = new ManualClock();
    const limiter = createRealmLimiter({ maxInFlight: 10, requestsPerWindow: 450, rateWindowMs: 61_000 }, clock);
    for (let i = 0; i < 20; i += 1) (await limiter.acquire())();
    const books = (streak: number) => ({ streak, limiter: limiter.stats(), now: clock.now() });
    expect(throttleWait(books(1), OPTIONS, () => 0)).toEqual({ ms: 500, reason: 'room', pauseRealm: false });
    expect(throttleWait(books(1), OPTIONS, () => 0.999).ms).toBe(999);
    expect(throttleWait(books(2), OPTIONS, () => 0).ms).toBe(1_000);
    expect(throttleWait(books(2), OPTIONS, () => 0.999).ms).toBe(1_999);
  });

  it('waits the full window and pauses the realm once 429s persist', () => {
    const clock = new ManualClock();
    const limiter = createRealmLimiter({ maxInFlight: 10, requestsPerWindow: 450, rateWindowMs: 61_000 }, clock);
    expect(throttleWait({ streak: 3, limiter: limiter.stats(), now: clock.now() }, OPTIONS, () => 0)).toEqual({ ms: 60_000, reason: 'persistent', pauseRealm: true });
    expect(throttleWait({ streak: 2, limiter: limiter.stats(), now: clock.now() }, { ...OPTIONS, throttlePersistAfter: 2 }).reason).toBe('persistent');
  });

  it('waits until the oldest start leaves the window, pausing the realm, when this process has spent its minute', async () => {
    const clock = new ManualClock();
    const limiter = createRealmLimiter({ maxInFlight: 10, requestsPerWindow: 5, rateWindowMs: 61_000 }, clock);
    for (let i = 0; i < 5; i += 1) {
      (await limiter.acquire())();
      await clock.advance(1_000);
    }
    // Starts at 0, 1, 2, 3, 4 s; now 5 s: the start at 0 s leaves the 61 s window at 61 s.
    expect(limiter.stats().windowRoomAt).toBe(clock.now() - 5_000 + 61_000);
    expect(throttleWait({ streak: 1, limiter: limiter.stats(), now: clock.now() }, OPTIONS, () => 0.5)).toEqual({ ms: 56_000, reason: 'minute_spent', pauseRealm: true });
    await clock.advance(56_000);
    await flush();
    expect(limiter.stats().windowRoomAt).toBeUndefined();
  });

  it('never waits longer than the full window, whatever the doubling says', () => {
    const stats = { windowRoomAt: undefined };
    const ms = (r: number) => throttleWait({ streak: 9, limiter: stats, now: 0 }, { ...OPTIONS, throttlePersistAfter: 50 }, () => r).ms;
    expect([ms(0), ms(0.999999)]).toEqual([30_000, 59_999]);
  });

  it('counts 429s in a row; any other answer resets the count', () => {
    const streak = new ThrottleStreak();
    expect([streak.throttled(), streak.throttled()]).toEqual([1, 2]);
    streak.answered();
    expect(streak.current).toBe(0);
    expect(streak.throttled()).toBe(1);
  });
});
