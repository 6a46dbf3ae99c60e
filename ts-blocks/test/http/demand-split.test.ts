/**
 * The shared realm limiter splitting the in-flight budget by demand, over an in-memory lease board that announces
 * changes as PostgreSQL's NOTIFY does. The heartbeat never fires (1e12 ms): every hand-over here is one the limiter
 * made on its own, driven by a manual clock.
 */
import { sameCaps, type LeaseClaim, type PeerLease } from '../../src/http/budget-split';
import type { Release } from '../../src/http/limiter';
import { DemandMeter, openSharedLimiter, type ClaimDecision, type LeaseBoard, type SharedRealmLimiter } from '../../src/http/shared-limiter';
import { flush, ManualClock } from './test-clock';

const LIMITS = { maxInFlight: 10, requestsPerWindow: 500, rateWindowMs: 60_000 };
const TIMING = { heartbeatMs: 1e12, ttlMs: 1e12, demandHoldMs: 250, idleHoldMs: 100 };

/** One realm's leases in memory; an exchange is atomic (no await inside), announcements are delivered later. */
class MemoryRealm {
  readonly leases = new Map<string, PeerLease>();
  readonly watchers = new Map<string, () => void>();
  exchanges = 0;
  announcements = 0;

  board(leaseId: string): LeaseBoard {
    let written: LeaseClaim | undefined;
    const announce = () => {
      this.announcements += 1;
      for (const [id, onChange] of this.watchers) if (id !== leaseId) setImmediate(onChange);
    };
    return {
      leaseId,
      exchange: async (_now: number, _ttl: number, decide: (peers: readonly PeerLease[]) => ClaimDecision) => {
        this.exchanges += 1;
        const claim = decide([...this.leases.values()].filter((p) => p.leaseId !== leaseId));
        const { announce: loud, ...stored } = claim;
        this.leases.set(leaseId, { leaseId, ...stored });
        const same = written && sameCaps(written.budget, claim.budget) && sameCaps(written.reserved, claim.reserved) && written.pausedUntil === claim.pausedUntil;
        written = claim;
        if (!same || loud) announce();
      },
      release: async () => {
        this.leases.delete(leaseId);
        announce();
      },
      watch: async (onChange) => {
        this.watchers.set(leaseId, onChange);
        return () => this.watchers.delete(leaseId);
      },
    };
  }

  wants(leaseId: string): number | undefined {
    return this.leases.get(leaseId)?.wantsInFlight;
  }
}

/** Requests asked for and granted: the test ends them (`finish`) when it wants. */
function worker(limiter: SharedRealmLimiter) {
  const granted: Release[] = [];
  let asked = 0;
  return {
    ask(n: number) {
      for (let i = 0; i < n; i += 1) {
        asked += 1;
        void limiter.acquire().then((release) => granted.push(release));
      }
    },
    finish(n: number) {
      for (let i = 0; i < n; i += 1) granted.shift()!();
    },
    get inFlight() {
      return limiter.stats().inFlight;
    },
    get caps() {
      return limiter.stats().caps.maxInFlight;
    },
    get asked() {
      return asked;
    },
  };
}

const limiters: SharedRealmLimiter[] = [];
afterEach(async () => {
  for (const l of limiters.splice(0)) await l.close();
});

async function open(realm: MemoryRealm, id: string, clock: ManualClock): Promise<SharedRealmLimiter> {
  const limiter = await openSharedLimiter({ limits: LIMITS, board: realm.board(id), clock, realmId: 'r', timing: TIMING });
  limiters.push(limiter);
  return limiter;
}

/** Lets announcements (setImmediate) and the renewals they start run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await flush();
}

/** A big and a small process on one realm, each with its share (the newcomer announced, the first one shrunk). */
async function bigAndSmall() {
  const clock = new ManualClock();
  const realm = new MemoryRealm();
  const big = worker(await open(realm, 'a-big', clock));
  const small = worker(await open(realm, 'b-small', clock));
  await settle();
  return { clock, realm, big, small };
}

describe('splitting the in-flight budget by demand between processes', () => {
  it('hands the slots a process does not use to a peer that wants them, without waiting for the heartbeat', async () => {
    const { clock, realm, big, small } = await bigAndSmall();
    // Nothing measured yet: the even split.
    expect([big.caps, small.caps]).toEqual([5, 5]);

    big.ask(20);
    small.ask(2);
    await settle();
    expect([big.inFlight, small.inFlight]).toEqual([5, 2]);
    const before = realm.exchanges;
    // The small one's demand (2) stays below its caps (5) for the hold: it publishes it, the big one grows.
    await clock.advance(249);
    await settle();
    expect(big.caps).toBe(5);
    await clock.advance(1);
    await settle();
    expect(realm.wants('b-small')).toBe(2);
    expect([big.caps, small.caps]).toEqual([8, 2]);
    expect(big.inFlight).toBe(8);
    expect(realm.exchanges - before).toBeLessThanOrEqual(3);

    // The small one is done: once idle for idleHoldMs (not the longer demand hold), every slot goes to the big one.
    small.finish(2);
    await clock.advance(99);
    await settle();
    expect([big.caps, small.caps]).toEqual([8, 2]);
    await clock.advance(1);
    await settle();
    expect(realm.wants('b-small')).toBe(0);
    expect([big.caps, small.caps]).toEqual([10, 0]);
    expect(big.inFlight).toBe(10);
  });

  it('keeps the slots of a process idle for less than idleHoldMs between two requests', async () => {
    const { clock, realm, big, small } = await bigAndSmall();
    big.ask(20);
    small.ask(2);
    await clock.advance(250); // both demands known: the small one keeps 2
    await settle();
    expect([big.caps, small.caps]).toEqual([8, 2]);
    const before = realm.exchanges;
    // Its two requests end and the next two start 60 ms later, twice: idle each time for less than the hold.
    for (let round = 0; round < 2; round += 1) {
      small.finish(2);
      await clock.advance(60);
      await settle();
      small.ask(2);
      await settle();
    }
    await clock.advance(100);
    await settle();
    expect([big.caps, small.caps]).toEqual([8, 2]);
    expect(small.inFlight).toBe(2);
    expect(realm.exchanges).toBe(before); // no renewal at all: nothing changed hands
    // Idle again, this time for the hold: it hands its slots over.
    small.finish(2);
    await clock.advance(100);
    await settle();
    expect([big.caps, small.caps]).toEqual([10, 0]);
  });

  it('lets a process that gave its slots away take its share back once it wants some again', async () => {
    const { clock, realm, big, small } = await bigAndSmall();
    big.ask(40);
    small.ask(1);
    await settle();
    small.finish(1);
    await clock.advance(250);
    await settle();
    expect([big.caps, big.inFlight, small.caps]).toEqual([10, 10, 0]);

    // It wants 3 now: it publishes that at once (its caps are 0); the big one shrinks to 7 but has 10 in flight.
    const before = realm.exchanges;
    small.ask(3);
    await settle();
    expect(realm.wants('b-small')).toBe(3);
    expect(big.caps).toBe(7);
    expect(small.caps).toBe(0);
    // As the big one's requests end, it publishes its smaller reservation and the small one takes the slots.
    big.finish(3);
    await settle();
    expect(small.caps).toBe(3);
    expect(small.inFlight).toBe(3);
    expect(big.inFlight).toBe(7);
    expect(realm.exchanges - before).toBeLessThanOrEqual(6);
  });

  it('does not renew for demand that moves while the budget is not binding, nor for a worker between two requests', async () => {
    const clock = new ManualClock();
    const realm = new MemoryRealm();
    const a = worker(await open(realm, 'a', clock));
    const b = worker(await open(realm, 'b', clock));
    await settle();
    a.ask(3);
    b.ask(3);
    await clock.advance(250);
    await settle();
    let before = realm.exchanges;
    // Each request ends and the next is asked for a moment later, over and over: the demand dips, then comes back.
    for (let i = 0; i < 50; i += 1) {
      a.finish(1);
      b.finish(1);
      await clock.advance(10);
      a.ask(1);
      b.ask(1);
      await clock.advance(300);
      await settle();
    }
    expect(realm.exchanges - before).toBe(0);
    expect(a.inFlight + b.inFlight).toBe(6);

    // Now a wants more than it can have: b's dips (10 ms, shorter than the hold) still give nothing away.
    a.ask(20);
    await settle();
    await clock.advance(250);
    await settle();
    expect([a.caps, b.caps]).toEqual([7, 3]);
    before = realm.exchanges;
    for (let i = 0; i < 50; i += 1) {
      b.finish(1);
      await clock.advance(10);
      b.ask(1);
      await clock.advance(300);
      await settle();
    }
    expect(realm.exchanges - before).toBe(0);
    expect([a.inFlight, b.inFlight]).toEqual([7, 3]);
  });

  it('gives a process alone the whole budget whatever its demand', async () => {
    const clock = new ManualClock();
    const realm = new MemoryRealm();
    const limiter = await open(realm, 'alone', clock);
    const a = worker(limiter);
    a.ask(2);
    await clock.advance(250);
    await settle();
    expect((await limiter.refresh()).caps.maxInFlight).toBe(10);
    expect(realm.wants('alone')).toBe(2);
  });
});

describe('the demand a process publishes', () => {
  it('is the most requests in flight + queued over the hold, so a dip between two requests does not count', () => {
    const meter = new DemandMeter(500);
    meter.record(4, 1_000);
    meter.record(3, 1_200); // a worker between two requests
    meter.record(4, 1_230);
    expect(meter.peak(1_600)).toBe(4);
    meter.record(1, 2_000); // the last pages
    expect(meter.peak(2_400)).toBe(4);
    expect(meter.peak(2_500)).toBe(1);
    meter.record(0, 2_600);
    expect(meter.peak(3_100)).toBe(0);
  });
});
