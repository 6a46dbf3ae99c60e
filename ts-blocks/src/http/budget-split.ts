/**
 * How processes working the same realm split QBO's per-company budget (requests in flight, request starts per
 * rolling window). Each process holds a lease on a shared board (ledger/realm-leases.ts) and, every few seconds,
 * under the realm's lock, reads the other live leases and publishes its own:
 *  - the realm budget is the smallest any live lease was configured with;
 *  - the fair share is the budget divided by the live leases (the remainder goes to the first leases by id);
 *  - a lease may use no more than the budget minus what the others reserved, so a newcomer never takes what a
 *    process already has in flight or started within the window (it gets its share as the others shrink);
 *  - a lease reserves max(its caps, what it uses now): lowering its caps does not end requests already started
 *    or take back starts already in the window, so until they are over they still count against the realm.
 *  - a process that finishes leaves its lease behind as "released" until its last requests leave the rolling
 *    window: it keeps reserving those starts (QBO still counts them), and the requests it gave up on without a
 *    response until QBO's timeout would have ended them (QBO may still be running them), but takes no share.
 * Caps only change under the lock, and a process never goes above what it reserved, so the reservations on the
 * board always cover what every process may send: together they stay within the realm budget.
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
}

type Field = keyof LimiterCaps;
const FIELDS: readonly Field[] = ['maxInFlight', 'requestsPerWindow'];

function fairShare(budget: number, leases: number, rank: number): number {
  return Math.floor(budget / leases) + (rank < budget % leases ? 1 : 0);
}

export function splitBudget(input: SplitInput): Split {
  const { peers } = input;
  const live = peers.filter((p) => !p.released);
  const leases = live.length + 1;
  const rank = [input.leaseId, ...live.map((p) => p.leaseId)].sort().indexOf(input.leaseId);
  const pick = (f: (field: Field) => number): LimiterCaps => ({ maxInFlight: f('maxInFlight'), requestsPerWindow: f('requestsPerWindow') });
  const realm = pick((field) => Math.min(input.budget[field], ...live.map((p) => p.budget[field])));
  const caps = pick((field) => {
    const othersReserved = peers.reduce((sum, p) => sum + p.reserved[field], 0);
    return Math.max(0, Math.min(fairShare(realm[field], leases, rank), realm[field] - othersReserved));
  });
  const reserved = pick((field) => Math.max(caps[field], input.usage[field]));
  return { caps, reserved, realm, leases };
}

export function sameCaps(a: LimiterCaps, b: LimiterCaps): boolean {
  return FIELDS.every((f) => a[f] === b[f]);
}
