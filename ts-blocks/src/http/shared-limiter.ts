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
  exchange(nowMs: number, ttlMs: number, decide: (peers: readonly PeerLease[]) => LeaseClaim): Promise<void>;
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
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = Object.freeze({ heartbeatMs: 5_000, ttlMs: 20_000 });

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

  async function exchange(): Promise<Split> {
    const before = local.stats().caps;
    let split: Split | undefined;
    // A failed exchange leaves the caps at the lower of old and new (the claim may or may not have been written).
    await board.exchange(clock.now(), timing.ttlMs, (peers) => {
      const stats = local.stats();
      split = splitBudget({
        leaseId: board.leaseId,
        budget,
        usage: { maxInFlight: stats.inFlight, requestsPerWindow: stats.startedInWindow },
        peers,
      });
      // Lower at once (usage must not outgrow what is being reserved); raise only once the claim is written.
      local.setCaps(minCaps(before, split.caps));
      const peerPause = Math.max(0, ...peers.map((p) => p.pausedUntil));
      if (peerPause > clock.now()) local.pause(peerPause);
      return { budget, reserved: split.reserved, pausedUntil: local.stats().pausedUntil };
    });
    local.setCaps(split!.caps);
    overReserved = split!.reserved.maxInFlight > split!.caps.maxInFlight;
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

  await refresh();
  const unwatch = await board.watch?.(refreshSoon).catch(() => undefined);
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
    if (!overReserved) return;
    const stats = local.stats();
    if (stats.inFlight > stats.caps.maxInFlight) return;
    overReserved = false;
    refreshSoon();
  };

  return {
    acquire: async (signal) => released(await local.acquire(signal)),
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
