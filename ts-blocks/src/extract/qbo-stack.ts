/**
 * Wires the QBO side from settings: one realm limiter, a token manager over the refresh-token store, and the
 * query client. Clock and randomness are injectable (tests use zero delays; nothing sleeps for real).
 * `openSharedQboStack` is what the loader and the CLI use: its limiter shares the realm's budget through
 * PostgreSQL with every other process working the same realm (http/shared-limiter.ts).
 */
import type { Pool } from 'pg';
import type { EventSink } from '../core/events';
import type { RefreshTokenStore } from '../core/token-store';
import { createTokenManager, type TokenManager } from '../auth/token-manager';
import { tokenCall } from '../auth/token-endpoint';
import type { Limits } from '../config/limits';
import type { QboSettings } from '../config/settings';
import { systemClock, type Clock } from '../http/clock';
import { createRealmLimiter, type RealmLimiter } from '../http/limiter';
import { openSharedLimiter, type LeaseTiming } from '../http/shared-limiter';
import { processHolder } from '../ledger/holder';
import type { PgSession } from '../ledger/pg-session';
import { PgRealmLeases } from '../ledger/realm-leases';
import { createQboClient, type QboClient } from '../http/qbo-client';
import { createRetryingAxios } from '../http/retrying-axios';

export interface QboStackOptions {
  readonly qbo: QboSettings;
  readonly limits: Limits;
  readonly store: RefreshTokenStore;
  readonly emit?: EventSink;
  readonly clock?: Clock;
  readonly random?: () => number;
  /** Share one limiter between stacks that talk to the same realm in one process. */
  readonly limiter?: RealmLimiter;
}

export interface QboStack {
  readonly auth: TokenManager;
  readonly client: QboClient;
  readonly limiter: RealmLimiter;
}

export function createQboStack(options: QboStackOptions): QboStack {
  const clock = options.clock ?? systemClock;
  const { qbo, limits } = options;
  const limiter = options.limiter ?? createRealmLimiter(limits, clock);
  const tokenHttp = createRetryingAxios({ call: tokenCall(qbo.tokenUrl), limits, clock, random: options.random, emit: options.emit, phase: 'auth' });
  const auth = createTokenManager({
    http: tokenHttp,
    tokenUrl: qbo.tokenUrl,
    credentials: { clientId: qbo.clientId, clientSecret: qbo.clientSecret },
    store: options.store,
    clock,
    skewMs: limits.tokenSkewMs,
    emit: options.emit,
  });
  const client = createQboClient({ qbo, limits, auth, limiter, clock, random: options.random, emit: options.emit });
  return { auth, client, limiter };
}

export interface SharedStackOptions extends Omit<QboStackOptions, 'limiter'> {
  /** The database holding ops.realm_leases, and the process's session (its lease lives as long as the session). */
  readonly pool: Pool;
  readonly session: PgSession;
  /** How this process is named in its lease (pid and host are added). */
  readonly role: string;
  readonly leaseTiming?: Partial<LeaseTiming>;
}

export interface SharedQboStack extends QboStack {
  /** Ends the realm lease (its share goes to the other processes at their next renewal). */
  close(): Promise<void>;
}

/** Takes a lease on the realm's budget (its first share is known before this resolves) and wires the stack. */
export async function openSharedQboStack(options: SharedStackOptions): Promise<SharedQboStack> {
  const clock = options.clock ?? systemClock;
  const realmId = options.qbo.realmId;
  const limiter = await openSharedLimiter({
    limits: options.limits,
    board: new PgRealmLeases(options.pool, options.session, realmId, processHolder(options.role)),
    clock,
    realmId,
    timing: options.leaseTiming,
    emit: options.emit,
  });
  return { ...createQboStack({ ...options, clock, limiter }), close: () => limiter.close() };
}
