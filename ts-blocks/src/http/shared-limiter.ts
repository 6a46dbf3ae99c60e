/**
 * A realm limiter whose budget is shared with every other process working the same realm (QBO's limits are per
 * company, not per process: three pipelines running at once must stay within them together). The process holds a
 * lease on a board (ledger/realm-leases.ts, in PostgreSQL) and renews it every `heartbeatMs`; each renewal
 * recomputes this process's caps from the live leases (budget-split.ts). Requests never wait on the database: they
 * go through the in-memory limiter, whose caps the heartbeat adjusts. A process alone gets the whole budget; a
 * lease not renewed for `ttlMs` (a crashed process) is ignored and removed; `close` ends the lease at once, but
 * leaves what it started within the rolling window reserved until those starts age out (QBO still counts them, so
 * a pipeline starting right after another must not spend them again).
 * A 429 pause is shared too: a peer's pause is adopted at the next renewal.
 * Renewals also happen sooner when the board says another lease changed (a newcomer, a release), and when this
 * process, told to shrink below what it had in flight, has come down to its new share: it then publishes the
 * smaller reservation at once, so the process waiting for those slots gets them after one response, not after a
 * heartbeat.
 * The in-flight budget is split by demand (budget-split.ts): each renewal publishes what this process could use
 * now (in flight + queued, its peak over the last `demandHoldMs`, so the moment between one request of a worker
 * and its next does not count as a drop; 0 once nothing has been in flight or queued for `idleHoldMs`; unknown,
 * hence unbounded, until `demandHoldMs` after its first request,
 * so a process that starts with one request (a count) before its pages is not read as wanting one slot). The split follows demand without
 * chatter: this process renews early only when its demand crosses its caps and its last picture of the board says
 * the renewal would change something: (a) its demand stayed below its caps for `demandHoldMs` and a peer would get
 * more (the renewal publishes the smaller reservation and demand; the board announces it, the peer renews and
 * grows), or (b) its demand rose above its caps and it would get more, now (room the others left) or once the
 * peers see its demand (a peer holding more than its share would then get: the renewal announces it, they shrink,
 * and their smaller reservations are announced in turn). Such renewals are coalesced, never one per request; the
 * heartbeat stays the backstop.
 */
import type { EventSink } from '../core/events';
import { nullSink } from '../core/events';
import { sameCaps, splitBudget, type LeaseClaim, type PeerLease, type Split } from './budget-split';
import type { Clock } from './clock';
import { createRealmLimiter, type LimiterCaps, type LimiterOptions, type RealmLimiter, type Release } from './limiter';

export interface LeaseBoard {
  /** This process's lease. */
  readonly leaseId: string;
  /**
   * Under the realm's lock: forgets leases expired at `nowMs`, passes the other live leases to `decide`, and
   * writes the claim it returns as this lease, valid until `nowMs + ttlMs`.
   */
  exchange(nowMs: number, ttlMs: number, decide: (peers: readonly PeerLease[]) => ClaimDecision): Promise<void>;
  /**
   * Ends this lease. With `keep`, the lease stays on the board as released until `keep.untilMs`, reserving
   * `keep.requestsPerWindow` starts (the process's last requests, still in QBO's window) and `keep.inFlight`
   * requests in flight (ones it gave up on that QBO may still be running).
   */
  release(keep?: ReleasedClaim): Promise<void>;
  /**
   * Optional: calls `onChange` when another lease of the realm changes (taken, reserving otherwise, released), so
   * the share is recomputed at once rather than at the next renewal. Returns the function that stops it.
   */
  watch?(onChange: () => void): Promise<() => void>;
}

/** The claim an exchange writes; `announce`: tell the other leases even if its budget, reservations and pause did not change (its demand changed their shares). */
export interface ClaimDecision extends LeaseClaim {
  readonly announce?: boolean;
}

/** What a finished process still reserves, and until when. */
export interface ReleasedClaim {
  readonly requestsPerWindow: number;
  readonly inFlight: number;
  readonly untilMs: number;
}

export interface LeaseTiming {
  /** How often the lease is renewed and the share recomputed. */
  readonly heartbeatMs: number;
  /** A lease not renewed for this long is ignored (its process is presumed dead). */
  readonly ttlMs: number;
  /**
   * The demand published is the most requests in flight + queued over this long, and it must stay below the caps
   * this long before slots are handed over: a worker between two requests does not give its slot away.
   */
  readonly demandHoldMs: number;
  /**
   * A process with nothing in flight and nothing queued for this long wants nothing: its slots are handed over
   * then, not after demandHoldMs (a worker between two requests is idle for a few milliseconds; a pipeline whose
   * reads are over stays idle, and its slots are what the others wait for).
   */
  readonly idleHoldMs: number;
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = Object.freeze({ heartbeatMs: 5_000, ttlMs: 20_000, demandHoldMs: 500, idleHoldMs: 100 });

export interface SharedLimiterOptions {
  /** The realm budget (what all processes together may use) and the rolling window. */
  readonly limits: LimiterOptions;
  readonly board: LeaseBoard;
  /** Lease times and the heartbeat's wait (a fast-forward test clock would make it renew back to back). */
  readonly clock: Clock;
  readonly realmId: string;
  readonly timing?: Partial<LeaseTiming>;
  readonly emit?: EventSink;
}

export interface SharedRealmLimiter extends RealmLimiter {
  /** Renews the lease and applies the new share now (the heartbeat does this every heartbeatMs). */
  refresh(): Promise<Split>;
  /** Stops the heartbeat and removes the lease. */
  close(): Promise<void>;
}

function minCaps(a: LimiterCaps, b: LimiterCaps): LimiterCaps {
  return { maxInFlight: Math.min(a.maxInFlight, b.maxInFlight), requestsPerWindow: Math.min(a.requestsPerWindow, b.requestsPerWindow) };
}

/** Takes a lease (the first share is known before it resolves) and starts the heartbeat. */
export async function openSharedLimiter(options: SharedLimiterOptions): Promise<SharedRealmLimiter> {
  const { board, clock, limits } = options;
  const timing: LeaseTiming = { ...DEFAULT_LEASE_TIMING, ...options.timing };
  const emit = options.emit ?? nullSink;
  const budget: LimiterCaps = { maxInFlight: limits.maxInFlight, requestsPerWindow: limits.requestsPerWindow };
  // Nothing starts before the first share is known.
  const local = createRealmLimiter({ ...limits, maxInFlight: 0, requestsPerWindow: 0 }, clock);
  const reporter = shareReporter(options.realmId, limits.rateWindowMs, emit);
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  /** In flight beyond its caps when last renewed: it was told to shrink and still reserves the difference. */
  let overReserved = false;

  const demand = new DemandMeter(timing.demandHoldMs);
  /** When this process first asked for a request: its demand is unknown until demandHoldMs later. */
  let firstAskedAt: number | undefined;
  /** The board as last read, and the demand last published (undefined: unknown). */
  let picture: readonly PeerLease[] | undefined;
  let published: number | undefined;
  /** Whether the demand was above the caps when last looked at (a renewal resets it to the new caps). */
  let above = false;
  /** A check that the demand stayed below the caps for demandHoldMs is pending. */
  let settling = false;
  /** Since when nothing is in flight or queued (undefined: something is), and whether a check of it is pending. */
  let idleSince: number | undefined;
  let idleCheck = false;
  const wants = (): number | undefined => {
    const at = clock.now();
    if (firstAskedAt === undefined || at - firstAskedAt < timing.demandHoldMs) return undefined;
    return idleSince !== undefined && at - idleSince >= timing.idleHoldMs ? 0 : demand.peak(at);
  };
  const usage = (): LimiterCaps => {
    const stats = local.stats();
    return { maxInFlight: stats.inFlight, requestsPerWindow: stats.startedInWindow };
  };
  /**
   * Whether publishing demand `next` instead of the demand last published matters to a live peer: its share would
   * fall below what it reserves (it must shrink), or grow while it wants more than it reserves (it can grow). A
   * demand that moves while the budget is not binding (only headroom changes hands) matters to nobody.
   */
  const changesPeers = (peers: readonly PeerLease[], next: number | undefined): boolean => {
    if (next === published) return false;
    const shares = (wants: number | undefined) => splitBudget({ leaseId: board.leaseId, budget, usage: usage(), wants, peers }).shares;
    const before = shares(published);
    const after = shares(next);
    return peers.filter((p) => !p.released).some((p) => {
      const was = before.get(p.leaseId)!;
      const is = after.get(p.leaseId)!;
      const holds = p.reserved.maxInFlight;
      return is !== was && (is < holds || (is > was && (p.wantsInFlight === undefined || p.wantsInFlight > holds)));
    });
  };

  async function exchange(): Promise<Split> {
    const before = local.stats().caps;
    let split: Split | undefined;
    let next: number | undefined;
    let peersSeen: readonly PeerLease[] = [];
    // A failed exchange leaves the caps at the lower of old and new (the claim may or may not have been written).
    await board.exchange(clock.now(), timing.ttlMs, (peers) => {
      next = wants();
      peersSeen = peers;
      split = splitBudget({ leaseId: board.leaseId, budget, usage: usage(), wants: next, peers });
      // Lower at once (usage must not outgrow what is being reserved); raise only once the claim is written.
      local.setCaps(minCaps(before, split.caps));
      const peerPause = Math.max(0, ...peers.map((p) => p.pausedUntil));
      if (peerPause > clock.now()) local.pause(peerPause);
      return {
        budget, reserved: split.reserved, pausedUntil: local.stats().pausedUntil, wantsInFlight: next,
        announce: changesPeers(peers, next),
      };
    });
    local.setCaps(split!.caps);
    picture = peersSeen;
    published = next;
    overReserved = split!.reserved.maxInFlight > split!.caps.maxInFlight;
    const stats = local.stats();
    above = stats.inFlight + stats.queued > stats.caps.maxInFlight;
    reporter.renewed(split!);
    return split!;
  }

  const refresh = (): Promise<Split> => {
    const next = queue.then(exchange);
    queue = next.catch(() => undefined);
    return next;
  };

  // Renewals asked for by events: one at a time, and one more if asked again while one ran.
  let wanted = false;
  let renewing = false;
  const refreshSoon = () => {
    wanted = true;
    if (renewing || closed) return;
    renewing = true;
    void (async () => {
      while (wanted && !closed) {
        wanted = false;
        await refresh().catch((e: unknown) => reporter.failed(e));
      }
      renewing = false;
    })();
  };

  // Listening before the first exchange: a peer that shrinks for this newcomer announces it right after that
  // exchange, and an announcement sent before this process listens would wait for a heartbeat.
  const unwatch = await board.watch?.(refreshSoon).catch(() => undefined);
  try {
    await refresh();
  } catch (e) {
    closed = true;
    unwatch?.();
    throw e;
  }
  const heartbeat = new AbortController();
  void (async () => {
    while (!closed) {
      try {
        await clock.sleep(timing.heartbeatMs, heartbeat.signal);
      } catch {
        return;
      }
      if (closed) return;
      await refresh().catch((e: unknown) => reporter.failed(e));
    }
  })();

  /** Once a shrinking process is down to its caps, it publishes the smaller reservation. */
  const released = (release: Release): Release => (holdUntilMs) => {
    release(holdUntilMs);
    demandChanged();
    if (!overReserved) return;
    const stats = local.stats();
    if (stats.inFlight > stats.caps.maxInFlight) return;
    overReserved = false;
    refreshSoon();
  };

  /** Whether a renewal with demand `next` would give this process more, or change a peer's share. */
  const worthRenewing = (next: number): boolean => {
    if (!picture) return false;
    const split = splitBudget({ leaseId: board.leaseId, budget, usage: usage(), wants: next, peers: picture });
    return split.caps.maxInFlight > local.stats().caps.maxInFlight || changesPeers(picture, next);
  };

  /** Called whenever requests are asked for or end: renews early when the demand crosses the caps (see top). */
  function demandChanged(): void {
    if (closed) return;
    const stats = local.stats();
    const now = stats.inFlight + stats.queued;
    demand.record(now, clock.now());
    if (now > 0) idleSince = undefined;
    else if (idleSince === undefined) {
      idleSince = clock.now();
      if (!idleCheck) checkIdle();
    }
    const caps = stats.caps.maxInFlight;
    const next = wants();
    if (now > caps) {
      if (!above && next !== undefined && worthRenewing(next)) refreshSoon();
      above = true;
      return;
    }
    above = false;
    if (now < caps && !settling) {
      settling = true;
      void clock.sleep(timing.demandHoldMs, undefined, { background: true }).then(() => {
        settling = false;
        if (closed) return;
        const peak = wants();
        const current = local.stats();
        if (peak === undefined) return;
        if (peak < current.caps.maxInFlight) {
          if (worthRenewing(peak)) refreshSoon();
        } else if (current.inFlight + current.queued < current.caps.maxInFlight) demandChanged(); // dipped again since
      });
    }
  }

  /** Once idle for idleHoldMs (and still idle), hands the slots over if that gives a peer more. */
  function checkIdle(waitMs = timing.idleHoldMs): void {
    idleCheck = true;
    void clock.sleep(waitMs, undefined, { background: true }).then(() => {
      idleCheck = false;
      if (closed || idleSince === undefined) return;
      const waited = clock.now() - idleSince;
      if (waited < timing.idleHoldMs) return checkIdle(timing.idleHoldMs - waited); // idle again since, not for the hold yet
      const next = wants();
      if (next !== undefined && next < local.stats().caps.maxInFlight && worthRenewing(next)) refreshSoon();
    });
  }

  const acquire = (signal?: AbortSignal): Promise<Release> => {
    firstAskedAt ??= clock.now();
    const granted = local.acquire(signal);
    demandChanged();
    return granted.then(released, (e: unknown) => {
      demandChanged();
      throw e;
    });
  };

  return {
    acquire,
    pause: (untilMs) => local.pause(untilMs),
    setCaps: (caps) => local.setCaps(caps),
    stats: () => local.stats(),
    refresh,
    async close() {
      if (closed) return;
      closed = true;
      heartbeat.abort();
      unwatch?.();
      await queue;
      const { startedInWindow, lastStartAt, held, heldUntil } = local.stats();
      const windowEnd = startedInWindow > 0 && lastStartAt !== undefined ? lastStartAt + limits.rateWindowMs : 0;
      await board.release(
        windowEnd > 0 || held > 0
          ? { requestsPerWindow: windowEnd > 0 ? startedInWindow : 0, inFlight: held, untilMs: Math.max(windowEnd, heldUntil) }
          : undefined,
      );
    },
  };
}

/**
 * The most of a value over the last `holdMs` (a step function, recorded as it changes): what a process could use
 * lately, so a dip between one request and the next is not read as less demand.
 */
export class DemandMeter {
  /** Changes still within reach of the window, oldest first: `value` from `at` on. */
  private changes: Array<{ at: number; value: number }> = [];

  constructor(private readonly holdMs: number) {}

  record(value: number, at: number): void {
    this.forget(at);
    const last = this.changes[this.changes.length - 1];
    if (last && last.value === value) return;
    this.changes.push({ at, value });
  }

  peak(at: number): number {
    this.forget(at);
    return Math.max(0, ...this.changes.map((c) => c.value));
  }

  /** Keeps the change in force at the window's start, drops the ones before it. */
  private forget(at: number): void {
    const from = at - this.holdMs;
    while (this.changes.length > 1 && this.changes[1]!.at <= from) this.changes.shift();
  }
}

/** Emits the share when it changes, and a failed renewal once per streak (the last share stays in force). */
function shareReporter(realmId: string, windowMs: number, emit: EventSink) {
  let last: Split | undefined;
  let failing = false;
  return {
    renewed(split: Split): void {
      failing = false;
      if (last && last.leases === split.leases && sameCaps(last.caps, split.caps)) return;
      last = split;
      emit({
        type: 'log',
        level: 'info',
        phase: 'extract',
        code: 'REALM_SHARE',
        message:
          `QBO limits of realm ${realmId} shared by ${split.leases} process(es): this one may have ${split.caps.maxInFlight} ` +
          `request(s) in flight and start ${split.caps.requestsPerWindow} per ${windowMs / 1000} s ` +
          `(realm budget ${split.realm.maxInFlight} in flight, ${split.realm.requestsPerWindow} per window).`,
        tags: { leases: split.leases, max_in_flight: split.caps.maxInFlight, requests_per_window: split.caps.requestsPerWindow },
      });
    },
    failed(e: unknown): void {
      if (failing) return;
      failing = true;
      emit({
        type: 'log',
        level: 'warn',
        phase: 'extract',
        code: 'REALM_LEASE_RENEWAL_FAILED',
        message:
          `Could not renew this process's share of the QBO limits of realm ${realmId} ` +
          `(${e instanceof Error ? e.message : String(e)}); the last share stays in force and renewal is retried.`,
      });
    },
  };
}
