/**
 * Wires the QBO side from settings: one realm limiter, a token manager over the refresh-token store, and the
 * query client. Clock and randomness are injectable (tests use zero delays; nothing sleeps for real).
 */
import type { EventSink } from '../core/events';
import type { RefreshTokenStore } from '../core/token-store';
import { createTokenManager, type TokenManager } from '../auth/token-manager';
import { tokenCall } from '../auth/token-endpoint';
import type { Limits } from '../config/limits';
import type { QboSettings } from '../config/settings';
import { systemClock, type Clock } from '../http/clock';
import { createRealmLimiter, type RealmLimiter } from '../http/limiter';
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
