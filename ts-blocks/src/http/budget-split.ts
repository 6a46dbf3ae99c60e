/**
 * How processes working the same realm split QBO's per-company budget (requests in flight, request starts per
 * rolling window). Each process holds a lease on a shared board (ledger/realm-leases.ts) and, every few seconds
 * or when its demand or a peer's lease changes (http/shared-limiter.ts), under the realm's lock, reads the other
 * live leases and publishes its own:
 *  - the realm budget is the smallest any live lease was configured with;
 *  - requests in flight are split by demand, max-min fair (water-filling): each lease publishes how many requests
 *    it could usefully have in flight now (`wantsInFlight`: in flight + queued, or unknown before it has asked for
 *    any, which counts as unbounded). A lease whose demand is at most an even split of what is left gets its
 *    demand (0 included: a lease with nothing to send may hold no slot, and takes one again by publishing a
 *    demand); the rest is split evenly among the others, the remainder going to the first leases by id. With
 *    demands 2, 5 and unknown and a budget of 10: 2, 4, 4. With every demand unknown it is the even split. When
 *    every demand is met and slots are left over, they are split evenly among the live leases as headroom (a
 *    process alone still gets the whole budget; demands 2 and 3 of 10 get 5 and 5), since nobody wants them;
 *    a lease whose demand rises takes its share back by publishing it;
 *  - request starts per rolling window are still split evenly among the live leases (remainder by id): demand is
 *    measured in requests in flight, which says nothing of how many a lease will start within a minute;
 *  - a lease may use no more than the budget minus what the others reserved, so a newcomer never takes what a
 *    process already has in flight or started within the window (it gets its share as the others shrink);
 *  - a lease reserves max(its caps, what it uses now): lowering its caps does not end requests already started
 *    or take back starts already in the window, so until they are over they still count against the realm.
 *  - a process that finishes leaves its lease behind as "released" until its last requests leave the rolling
 *    window: it keeps reserving those starts (QBO still counts them), and the requests it gave up on without a
 *    response until QBO's timeout would have ended them (QBO may still be running them), but takes no share.
 * Caps only change under the lock, and a process never goes above what it reserved, so the reservations on the
 * board always cover what every process may send: together they stay within the realm budget, whatever the
 * demands say (a stale or wrong demand only makes the split less useful, never unsafe).
 */
import type { LimiterCaps } from './limiter';

/** What one lease on the board says about its holder. */
export interface LeaseClaim {
  /** The realm budget its holder was configured with (QBO_MAX_IN_FLIGHT, QBO_REQUESTS_PER_MINUTE). */
  readonly budget: LimiterCaps;
  /** What its holder may use until it next refreshes: max(caps, usage). */
  readonly reserved: LimiterCaps;
  /** Epoch ms until which its holder pauses the realm after a 429 (0: none). */
  readonly pausedUntil: number;
  /**
   * Requests its holder could usefully have in flight now (in flight + queued); undefined: not measured yet,
   * counted as unbounded.
   */
  readonly wantsInFlight?: number;
}

export interface PeerLease extends LeaseClaim {
  readonly leaseId: string;
  /**
   * A lease whose process has finished but whose last requests still count at QBO: it reserves the starts still in
   * the rolling window and the requests given up on that QBO may still be running, until they are over; it takes
   * no share and does not set the realm budget.
   */
  readonly released?: boolean;
}

export interface SplitInput {
  readonly leaseId: string;
  readonly budget: LimiterCaps;
  /** Requests in flight now and started within the current window, in this process. */
  readonly usage: LimiterCaps;
  /** Requests this process could usefully have in flight now; undefined: unknown (unbounded). */
  readonly wants?: number;
  /** Live leases of other processes on the same realm. */
  readonly peers: readonly PeerLease[];
}

export interface Split {
  /** This process's caps until the next refresh. */
  readonly caps: LimiterCaps;
  /** What this process publishes as reserved. */
  readonly reserved: LimiterCaps;
  /** The realm budget all live leases agree on (the smallest configured). */
  readonly realm: LimiterCaps;
  /** Live leases, this one included. */
  readonly leases: number;
  /**
   * The in-flight split by demand of every live lease, this one included, by lease id, headroom included
   * (splitInFlight): what each gets once the others are down to theirs (caps may be lower until they are).
   */
  readonly shares: ReadonlyMap<string, number>;
}

type Field = keyof LimiterCaps;
const FIELDS: readonly Field[] = ['maxInFlight', 'requestsPerWindow'];

function fairShare(budget: number, leases: number, rank: number): number {
  return Math.floor(budget / leases) + (rank < budget % leases ? 1 : 0);
}

/** A live lease's demand (undefined: unknown, unbounded). */
export interface Demand {
  readonly leaseId: string;
  readonly wants?: number;
}

/**
 * Max-min fair split of `budget` by demand (water-filling): while some lease wants no more than its even split of
 * what is left (remainder by id among those left), it gets what it wants; the others split the rest evenly. When
 * every demand is met, what is left over is not in these shares (splitInFlight hands it out as headroom).
 */
export function waterFill(budget: number, demands: readonly Demand[]): Map<string, number> {
  const shares = new Map<string, number>();
  let left = [...demands].sort((a, b) => (a.leaseId < b.leaseId ? -1 : a.leaseId > b.leaseId ? 1 : 0));
  let rest = budget;
  for (;;) {
    const settled = left.filter((d, rank) => d.wants !== undefined && Math.max(0, d.wants) <= fairShare(rest, left.length, rank));
    if (settled.length === 0) break;
    for (const d of settled) {
      const wants = Math.max(0, d.wants!);
      shares.set(d.leaseId, wants);
      rest -= wants;
    }
    left = left.filter((d) => !shares.has(d.leaseId));
  }
  left.forEach((d, rank) => shares.set(d.leaseId, fairShare(rest, left.length, rank)));
  return shares;
}

/** waterFill, and what nobody wants split evenly among all (remainder by id) as headroom. */
export function splitInFlight(budget: number, demands: readonly Demand[]): Map<string, number> {
  const shares = waterFill(budget, demands);
  const leftOver = budget - [...shares.values()].reduce((sum, n) => sum + n, 0);
  const ids = [...shares.keys()].sort();
  ids.forEach((id, rank) => shares.set(id, shares.get(id)! + fairShare(leftOver, ids.length, rank)));
  return shares;
}

export function splitBudget(input: SplitInput): Split {
  const { peers } = input;
  const live = peers.filter((p) => !p.released);
  const leases = live.length + 1;
  const rank = [input.leaseId, ...live.map((p) => p.leaseId)].sort().indexOf(input.leaseId);
  const pick = (f: (field: Field) => number): LimiterCaps => ({ maxInFlight: f('maxInFlight'), requestsPerWindow: f('requestsPerWindow') });
  const realm = pick((field) => Math.min(input.budget[field], ...live.map((p) => p.budget[field])));
  const shares = splitInFlight(realm.maxInFlight, [{ leaseId: input.leaseId, wants: input.wants }, ...live.map((p) => ({ leaseId: p.leaseId, wants: p.wantsInFlight }))]);
  const share = pick((field) => (field === 'maxInFlight' ? shares.get(input.leaseId)! : fairShare(realm[field], leases, rank)));
  const caps = pick((field) => {
    const othersReserved = peers.reduce((sum, p) => sum + p.reserved[field], 0);
    return Math.max(0, Math.min(share[field], realm[field] - othersReserved));
  });
  const reserved = pick((field) => Math.max(caps[field], input.usage[field]));
  return { caps, reserved, realm, leases, shares };
}

export function sameCaps(a: LimiterCaps, b: LimiterCaps): boolean {
  return FIELDS.every((f) => a[f] === b[f]);
}
