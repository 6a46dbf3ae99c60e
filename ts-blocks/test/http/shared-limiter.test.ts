/**
 * The realm limiter shared through PostgreSQL (ops.realm_leases), driven by a manual clock: each limiter has its own
 * database session, as separate processes do; leases renew when the test says (`refresh`), so nothing waits for real.
 */
import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import type { BackfillEvent } from '../../src/core/events';
import { openSharedLimiter, type LeaseBoard, type SharedRealmLimiter } from '../../src/http/shared-limiter';
import { PgSession } from '../../src/ledger/pg-session';
import { PgRealmLeases } from '../../src/ledger/realm-leases';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { ManualClock } from './test-clock';

const BUDGET = { maxInFlight: 4, requestsPerWindow: 20, rateWindowMs: 60_000 };
const NO_HEARTBEAT = { heartbeatMs: 1e12, ttlMs: 20_000 };

let db: TestDatabase;
let pool: Pool;
const sessions: PgSession[] = [];
const limiters: SharedRealmLimiter[] = [];

beforeAll(async () => {
  db = await createTestDatabase('sharedlimiter');
  await db.applyInit();
  pool = createPool({ connectionString: db.url });
});
afterEach(async () => {
  for (const l of limiters.splice(0)) await l.close().catch(() => undefined);
  for (const s of sessions.splice(0)) await s.close();
  await pool.query('DELETE FROM ops.realm_leases');
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

interface Process {
  readonly limiter: SharedRealmLimiter;
  readonly session: PgSession;
  readonly board: PgRealmLeases;
  readonly events: BackfillEvent[];
}

async function startProcess(name: string, clock: ManualClock, options: { timing?: typeof NO_HEARTBEAT; budget?: typeof BUDGET; board?: (b: PgRealmLeases) => LeaseBoard } = {}): Promise<Process> {
  const session = new PgSession({ connectionString: db.url }, name);
  sessions.push(session);
  const board = new PgRealmLeases(pool, session, 'realm-1', name);
  const events: BackfillEvent[] = [];
  const limiter = await openSharedLimiter({
    limits: options.budget ?? BUDGET,
    board: options.board ? options.board(board) : board,
    clock,
    realmId: 'realm-1',
    timing: options.timing ?? NO_HEARTBEAT,
    emit: (e) => events.push(e),
  });
  limiters.push(limiter);
  return { limiter, session, board, events };
}

/** Requests that each take `ms` of clock time, sent back to back by `workers` lanes until `until`. */
function load(p: Process, clock: ManualClock, log: Array<{ who: string; at: number }>, who: string, workers: number, until: number, inFlight: { now: number; max: number }) {
  const lane = async () => {
    while (clock.now() < until) {
      const release = await p.limiter.acquire();
      log.push({ who, at: clock.now() });
      inFlight.now += 1;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      await clock.sleep(1_000);
      inFlight.now -= 1;
      release();
    }
  };
  for (let i = 0; i < workers; i += 1) void lane();
}

function maxInAnyWindow(times: readonly number[], windowMs: number): number {
  return Math.max(0, ...times.map((t) => times.filter((u) => u > t - windowMs && u <= t).length));
}

describe('realm limiter shared between processes', () => {
  it('gives a process alone the whole realm budget', async () => {
    const clock = new ManualClock();
    const a = await startProcess('alone', clock);
    expect(a.limiter.stats().caps).toEqual({ maxInFlight: 4, requestsPerWindow: 20 });
    const log: Array<{ who: string; at: number }> = [];
    const inFlight = { now: 0, max: 0 };
    load(a, clock, log, 'a', 10, clock.now() + 60_000, inFlight);
    await clock.advance(59_000);
    expect(inFlight.max).toBe(4);
    expect(log).toHaveLength(20);
    expect(a.events.find((e) => e.type === 'log' && e.code === 'REALM_SHARE')).toMatchObject({ tags: { leases: 1, max_in_flight: 4 } });
  });

  it('keeps two processes on one realm within the realm budget together, and shares it between them', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const end = t0 + 200_000;
    const log: Array<{ who: string; at: number }> = [];
    const inFlight = { now: 0, max: 0 };
    const a = await startProcess('a', clock);
    load(a, clock, log, 'a', 10, end, inFlight);
    await clock.advance(10_000); // a alone uses the whole minute's budget
    const b = await startProcess('b', clock);
    expect(b.limiter.stats().caps).toEqual({ maxInFlight: 0, requestsPerWindow: 0 }); // nothing left for now
    load(b, clock, log, 'b', 10, end, inFlight);
    while (clock.now() < end) {
      await clock.advance(5_000);
      await a.limiter.refresh();
      await b.limiter.refresh();
    }
    expect(inFlight.max).toBeLessThanOrEqual(4);
    expect(maxInAnyWindow(log.map((s) => s.at), 60_000)).toBeLessThanOrEqual(20);
    const lastMinute = log.filter((s) => s.at > end - 60_000);
    expect(lastMinute.filter((s) => s.who === 'a').length).toBeGreaterThanOrEqual(8);
    expect(lastMinute.filter((s) => s.who === 'b').length).toBeGreaterThanOrEqual(8);
    expect(b.limiter.stats().caps).toEqual({ maxInFlight: 2, requestsPerWindow: 10 });
  });

  it('gives the whole budget back to a process whose peer closed', async () => {
    const clock = new ManualClock();
    const a = await startProcess('a', clock);
    const b = await startProcess('b', clock);
    await a.limiter.refresh();
    expect((await b.limiter.refresh()).caps).toEqual({ maxInFlight: 2, requestsPerWindow: 10 });
    await a.limiter.close();
    expect((await b.limiter.refresh()).caps).toEqual({ maxInFlight: 4, requestsPerWindow: 20 });
    expect((await pool.query('SELECT count(*)::int AS n FROM ops.realm_leases')).rows[0].n).toBe(1);
  });

  it("keeps a finished process's last requests reserved until they leave the window, then gives them back", async () => {
    const clock = new ManualClock();
    const a = await startProcess('a', clock);
    for (let i = 0; i < 15; i += 1) {
      (await a.limiter.acquire())();
      await clock.advance(1_000);
    }
    const lastStart = clock.now() - 1_000;
    await a.limiter.close();
    const row = (await pool.query('SELECT released, reserved_in_flight, reserved_per_window, expires_at_utc FROM ops.realm_leases')).rows;
    expect(row).toEqual([{ released: true, reserved_in_flight: 0, reserved_per_window: 15, expires_at_utc: new Date(lastStart + 60_000) }]);
    // A pipeline starting right after: the whole in-flight budget, but only what is left of the minute.
    const b = await startProcess('b', clock);
    expect(b.limiter.stats().caps).toEqual({ maxInFlight: 4, requestsPerWindow: 5 });
    expect(b.events.find((e) => e.type === 'log' && e.code === 'REALM_SHARE')).toMatchObject({ tags: { leases: 1 } });
    await clock.advance(lastStart + 60_000 - clock.now());
    expect((await b.limiter.refresh()).caps).toEqual({ maxInFlight: 4, requestsPerWindow: 20 });
    expect((await pool.query('SELECT count(*)::int AS n FROM ops.realm_leases')).rows[0].n).toBe(1);
  });

  it('ignores the lease of a process that stopped renewing it once it expired', async () => {
    const stuck = new ManualClock();
    const clock = new ManualClock();
    // A process that stopped renewing: its clock stands still and it no longer reacts to announcements either.
    const deaf = (board: PgRealmLeases): LeaseBoard => ({
      leaseId: board.leaseId,
      exchange: (...args) => board.exchange(...args),
      release: (keep) => board.release(keep),
    });
    await startProcess('stuck', stuck, { board: deaf });
    const b = await startProcess('b', clock);
    expect(b.limiter.stats().caps).toEqual({ maxInFlight: 0, requestsPerWindow: 0 });
    await clock.advance(19_000);
    expect((await b.limiter.refresh()).leases).toBe(2);
    await clock.advance(1_000);
    expect((await b.limiter.refresh()).caps).toEqual({ maxInFlight: 4, requestsPerWindow: 20 });
    const holders = await pool.query('SELECT holder FROM ops.realm_leases ORDER BY holder');
    expect(holders.rows).toEqual([{ holder: 'b' }]);
  });

  it('ignores at once the lease of a process whose database session ended (a crash), before it expires', async () => {
    const clock = new ManualClock();
    // A dead process does nothing more: it does not hear announcements (a live limiter here would renew through a
    // new session connection, and be alive again).
    const dead = (board: PgRealmLeases): LeaseBoard => ({
      leaseId: board.leaseId,
      exchange: (...args) => board.exchange(...args),
      release: (keep) => board.release(keep),
    });
    const a = await startProcess('crashed', clock, { board: dead });
    const b = await startProcess('b', clock);
    await a.session.close(); // what the server sees when a process dies: its connection closes
    expect((await b.limiter.refresh()).caps).toEqual({ maxInFlight: 4, requestsPerWindow: 20 });
  });

  it("adopts a peer's 429 pause at the next renewal", async () => {
    const clock = new ManualClock();
    const a = await startProcess('a', clock);
    const b = await startProcess('b', clock);
    const until = clock.now() + 30_000;
    a.limiter.pause(until);
    await a.limiter.refresh();
    await b.limiter.refresh();
    expect(b.limiter.stats().pausedUntil).toBe(until);
  });

  it('renews the lease every heartbeat without being asked', async () => {
    const clock = new ManualClock();
    let exchanges = 0;
    let renewed: () => void = () => undefined;
    const secondExchange = new Promise<void>((resolve) => (renewed = resolve));
    const counting = (board: PgRealmLeases): LeaseBoard => ({
      leaseId: board.leaseId,
      exchange: async (...args) => {
        await board.exchange(...args);
        exchanges += 1;
        if (exchanges === 2) renewed();
      },
      release: () => board.release(),
    });
    await startProcess('beating', clock, { timing: { heartbeatMs: 5_000, ttlMs: 20_000 }, board: counting });
    expect(exchanges).toBe(1);
    await clock.advance(4_999);
    expect(exchanges).toBe(1);
    await clock.advance(1);
    await secondExchange; // the heartbeat's renewal, started by the clock alone
    const row = await pool.query('SELECT expires_at_utc FROM ops.realm_leases');
    expect(row.rows[0].expires_at_utc.getTime()).toBe(clock.now() + 20_000);
  });
});

/** Waits (polling, up to 5 s of real time) for a database notification's effect. */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i += 1) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('realm limiter shares handed over at once (no heartbeat)', () => {
  const WIDE = { maxInFlight: 4, requestsPerWindow: 1_000, rateWindowMs: 60_000 };

  it('a newcomer gets its share as soon as the busy process is down to its own, and all of it back when the newcomer closes', async () => {
    const clock = new ManualClock();
    const a = await startProcess('a', clock, { budget: WIDE });
    const releases: Array<() => void> = [];
    for (let i = 0; i < 4; i += 1) releases.push(await a.limiter.acquire());
    const b = await startProcess('b', clock, { budget: WIDE });
    expect(b.limiter.stats().caps.maxInFlight).toBe(0); // a has all 4 in flight
    // b's new lease is announced: a shrinks to its share at once, but still reserves what it has in flight.
    await eventually(() => a.limiter.stats().caps.maxInFlight === 2);
    releases.pop()!();
    await new Promise((r) => setTimeout(r, 50));
    // Never more than a leaves free: a still has 3 in flight (b may have the 1 free slot if a renewed meanwhile).
    expect(b.limiter.stats().caps.maxInFlight).toBeLessThanOrEqual(4 - a.limiter.stats().inFlight);
    releases.pop()!(); // a is down to its share: it publishes the smaller reservation, b takes the freed slots
    await eventually(() => b.limiter.stats().caps.maxInFlight === 2);
    await b.limiter.close();
    await eventually(() => a.limiter.stats().caps.maxInFlight === 4);
    for (const release of releases) release();
  });

  it('publishes each process\'s demand in its lease, and hands the slots one does not use to the other', async () => {
    const clock = new ManualClock();
    const timing = { ...NO_HEARTBEAT, demandHoldMs: 250 };
    const a = await startProcess('a', clock, { budget: WIDE, timing });
    const b = await startProcess('b', clock, { budget: WIDE, timing });
    // Both have their share before anyone asks: b's renewal after a's announcement may land after b's first request
    // (a slow NOTIFY round trip), and then after the clock's advance below, which nothing would advance again.
    await eventually(() => a.limiter.stats().caps.maxInFlight === 2 && b.limiter.stats().caps.maxInFlight === 2);
    const wants = async () => (await pool.query('SELECT holder, wants_in_flight FROM ops.realm_leases ORDER BY holder')).rows;
    expect(await wants()).toEqual([{ holder: 'a', wants_in_flight: null }, { holder: 'b', wants_in_flight: null }]); // not measured yet
    const releases: Array<() => void> = [];
    for (let i = 0; i < 6; i += 1) void a.limiter.acquire().then((r) => releases.push(r));
    releases.push(await b.limiter.acquire());
    await clock.advance(250); // b's demand (1) stayed below its caps (2) for the hold: it publishes it
    await eventually(() => a.limiter.stats().caps.maxInFlight === 3 && a.limiter.stats().inFlight === 3);
    expect(b.limiter.stats().caps.maxInFlight).toBe(1);
    expect((await wants()).find((r) => r.holder === 'b')).toEqual({ holder: 'b', wants_in_flight: 1 });
    await a.limiter.refresh();
    expect((await wants()).find((r) => r.holder === 'a')).toEqual({ holder: 'a', wants_in_flight: 6 });
    for (const release of releases) release();
  });

  it('ignores announcements of other realms', async () => {
    const clock = new ManualClock();
    const a = await startProcess('a', clock, { budget: WIDE });
    const session = new PgSession({ connectionString: db.url }, 'other');
    sessions.push(session);
    const other = new PgRealmLeases(pool, session, 'realm-2', 'other');
    const renewals = () => (pool.query("SELECT renewed_at_utc FROM ops.realm_leases WHERE realm_id = 'realm-1'").then((r) => r.rows));
    const before = await renewals();
    await clock.advance(1_000);
    const full = { maxInFlight: 4, requestsPerWindow: 1_000 };
    await other.exchange(clock.now(), 20_000, () => ({ budget: full, reserved: full, pausedUntil: 0 }));
    await new Promise((r) => setTimeout(r, 50));
    expect(await renewals()).toEqual(before); // a did not renew
    expect(a.limiter.stats().caps.maxInFlight).toBe(4);
    await other.release();
  });
});

describe('a finished process with requests it gave up on', () => {
  it('keeps their slots reserved in its released lease until QBO would have timed them out', async () => {
    const clock = new ManualClock();
    const a = await startProcess('a', clock);
    const release = await a.limiter.acquire();
    release(clock.now() + 120_000); // given up without a response: QBO may run it for up to 120 s
    await a.limiter.close();
    const row = (await pool.query('SELECT released, reserved_in_flight, reserved_per_window, expires_at_utc FROM ops.realm_leases')).rows;
    expect(row).toEqual([{ released: true, reserved_in_flight: 1, reserved_per_window: 1, expires_at_utc: new Date(clock.now() + 120_000) }]);
    // A process starting now (a retried block) gets every slot but that one, until the 120 s are over.
    const b = await startProcess('b', clock);
    expect(b.limiter.stats().caps.maxInFlight).toBe(3);
    await clock.advance(120_000);
    expect((await b.limiter.refresh()).caps).toEqual({ maxInFlight: 4, requestsPerWindow: 20 });
  });
});
