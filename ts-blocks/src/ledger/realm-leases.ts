/**
 * The lease board of the shared realm limiter (http/shared-limiter.ts) over ops.realm_leases. Every exchange runs
 * in one short transaction under the realm's advisory lock, so two processes never compute their shares from the
 * same stale picture. A lease is live while it is renewed (expires_at_utc, in the caller's clock, so tests can
 * expire one without waiting) and while its holder's session (pg-session.ts) holds the lease's liveness lock: a
 * process that dies loses its connection, hence that lock, and its lease is ignored at the very next exchange.
 * A claim that changes (a new lease, other reservations, a release) is announced on LEASE_CHANNEL, so the other
 * processes of the realm recompute their shares at once instead of at their next renewal; a changed demand
 * (wants_in_flight) alone is announced only when the limiter says it changes another lease's share.
 */
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { queryError } from '../db/errors';
import { withTransaction } from '../db/pool';
import { sameCaps, type LeaseClaim, type PeerLease } from '../http/budget-split';
import type { ClaimDecision, LeaseBoard, ReleasedClaim } from '../http/shared-limiter';
import { advisoryLockHeld, LEASE_ALIVE_LOCK, REALM_LEASE_LOCK } from './lock-keys';
import type { PgSession } from './pg-session';

interface LeaseRow {
  lease_id: string;
  released: boolean;
  budget_in_flight: number;
  budget_per_window: number;
  reserved_in_flight: number;
  reserved_per_window: number;
  paused_until_utc: Date | null;
  wants_in_flight: number | null;
}

function toPeer(row: LeaseRow): PeerLease {
  return {
    leaseId: row.lease_id,
    budget: { maxInFlight: row.budget_in_flight, requestsPerWindow: row.budget_per_window },
    reserved: { maxInFlight: row.reserved_in_flight, requestsPerWindow: row.reserved_per_window },
    pausedUntil: row.paused_until_utc?.getTime() ?? 0,
    released: row.released,
    ...(row.wants_in_flight !== null && { wantsInFlight: row.wants_in_flight }),
  };
}

/** NOTIFY channel of lease changes; the payload is `<realm id> <lease id>`. */
export const LEASE_CHANNEL = 'qbo_realm_leases';
const NOTIFY = `SELECT pg_notify('${LEASE_CHANNEL}', $1 || ' ' || $2)`;

function sameClaim(a: LeaseClaim | undefined, b: LeaseClaim): boolean {
  return a !== undefined && sameCaps(a.budget, b.budget) && sameCaps(a.reserved, b.reserved) && a.pausedUntil === b.pausedUntil;
}

/** Leases to forget: expired ones, and live ones whose process is gone (a released lease has no process). */
const DEAD = `realm_id = $1 AND (expires_at_utc <= $2 OR (NOT released AND NOT ${advisoryLockHeld('$3', 'lease_id::text')}))`;

export class PgRealmLeases implements LeaseBoard {
  readonly leaseId = randomUUID();
  /** The session connection generation on which this lease's liveness lock is held. */
  private aliveOn: number | undefined;
  /** The claim last written (an unchanged one is not announced). */
  private written: LeaseClaim | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly session: PgSession,
    readonly realmId: string,
    readonly holder: string,
  ) {}

  async exchange(nowMs: number, ttlMs: number, decide: (peers: readonly PeerLease[]) => ClaimDecision): Promise<void> {
    await this.holdAlive();
    let claim: ClaimDecision | undefined;
    try {
      await withTransaction(this.pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [REALM_LEASE_LOCK, this.realmId]);
        const now = new Date(nowMs);
        await client.query(`DELETE FROM ops.realm_leases WHERE ${DEAD}`, [this.realmId, now, LEASE_ALIVE_LOCK]);
        const { rows } = await client.query<LeaseRow>(
          `SELECT lease_id, released, budget_in_flight, budget_per_window, reserved_in_flight, reserved_per_window, paused_until_utc,
                  wants_in_flight
             FROM ops.realm_leases WHERE realm_id = $1 AND lease_id <> $2 ORDER BY lease_id`,
          [this.realmId, this.leaseId],
        );
        claim = decide(rows.map(toPeer));
        await this.write(client, claim, now, new Date(nowMs + ttlMs));
        // Delivered at commit, to listeners only. A demand alone is announced only when it changes others' shares.
        if (!sameClaim(this.written, claim) || claim.announce) await client.query(NOTIFY, [this.realmId, this.leaseId]);
      });
      this.written = claim;
    } catch (e) {
      throw queryError(e, `sharing the QBO limits of realm ${this.realmId} (ops.realm_leases)`);
    }
  }

  async release(keep?: ReleasedClaim): Promise<void> {
    try {
      if (keep && (keep.requestsPerWindow > 0 || keep.inFlight > 0)) {
        await this.pool.query(
          `UPDATE ops.realm_leases
              SET released = true, reserved_in_flight = $3, reserved_per_window = $2, paused_until_utc = NULL, wants_in_flight = 0,
                  expires_at_utc = greatest($4::timestamptz, renewed_at_utc + interval '1 millisecond')
            WHERE lease_id = $1`,
          [this.leaseId, keep.requestsPerWindow, keep.inFlight, new Date(keep.untilMs)],
        );
      } else {
        await this.pool.query('DELETE FROM ops.realm_leases WHERE lease_id = $1', [this.leaseId]);
      }
      await this.pool.query(NOTIFY, [this.realmId, this.leaseId]);
    } catch (e) {
      throw queryError(e, `releasing this process's lease on realm ${this.realmId}`);
    }
    if (this.aliveOn !== undefined && (await this.session.openGeneration()) === this.aliveOn) {
      await this.session.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LEASE_ALIVE_LOCK, this.leaseId], 'releasing a lease');
    }
    this.aliveOn = undefined;
  }

  /** Calls `onChange` when another process's lease of this realm changes; returns the function that stops it. */
  async watch(onChange: () => void): Promise<() => void> {
    return this.session.listen(LEASE_CHANNEL, (payload) => {
      const [realm, lease] = payload.split(' ');
      if (realm === this.realmId && lease !== this.leaseId) onChange();
    });
  }

  /** Takes the liveness lock on the session (again, if the session's connection was replaced since). */
  private async holdAlive(): Promise<void> {
    const generation = await this.session.openGeneration();
    if (generation !== undefined && generation === this.aliveOn) return;
    // try: a colliding key held by another live lease would make this one look alive anyway.
    const taken = await this.session.query('SELECT pg_try_advisory_lock($1, hashtext($2))', [LEASE_ALIVE_LOCK, this.leaseId], 'holding a realm lease');
    this.aliveOn = taken.generation;
  }

  private async write(client: PoolClient, claim: LeaseClaim, now: Date, expires: Date): Promise<void> {
    await client.query(
      `INSERT INTO ops.realm_leases (lease_id, realm_id, holder, budget_in_flight, budget_per_window, reserved_in_flight,
         reserved_per_window, paused_until_utc, wants_in_flight, acquired_at_utc, renewed_at_utc, expires_at_utc)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $11, $9, $9, $10)
       ON CONFLICT (lease_id) DO UPDATE
         SET budget_in_flight = EXCLUDED.budget_in_flight, budget_per_window = EXCLUDED.budget_per_window,
             reserved_in_flight = EXCLUDED.reserved_in_flight, reserved_per_window = EXCLUDED.reserved_per_window,
             paused_until_utc = EXCLUDED.paused_until_utc, wants_in_flight = EXCLUDED.wants_in_flight, renewed_at_utc = EXCLUDED.renewed_at_utc,
             expires_at_utc = EXCLUDED.expires_at_utc`,
      [
        this.leaseId, this.realmId, this.holder, claim.budget.maxInFlight, claim.budget.requestsPerWindow,
        claim.reserved.maxInFlight, claim.reserved.requestsPerWindow, claim.pausedUntil > 0 ? new Date(claim.pausedUntil) : null,
        now, expires, claim.wantsInFlight ?? null,
      ],
    );
  }
}
