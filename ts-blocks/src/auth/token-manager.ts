/**
 * Access tokens for the QBO API. One refresh when first needed, then the token is reused until it is within
 * `skew` of expiring (the expiry is counted from when the refresh was requested, not answered). Concurrent
 * callers share one refresh in flight. A rotated refresh token is saved to the RefreshTokenStore and the save is
 * awaited before any caller gets the new access token, so no request is sent before the new value is durable.
 */
import type { AxiosInstance } from 'axios';
import { nullSink, type EventSink } from '../core/events';
import { registerSecret } from '../core/sanitize';
import type { RefreshTokenStore } from '../core/token-store';
import type { Clock } from '../http/clock';
import { requestTokenGrant, type ClientCredentials } from './token-endpoint';

export interface AccessTokenProvider {
  /** A valid access token, refreshed first if missing or near expiry. */
  accessToken(signal?: AbortSignal): Promise<string>;
  /** Forgets `token` after QBO refused it (401); the next accessToken() refreshes unless another caller did. */
  invalidate(token: string): void;
}

export interface TokenManagerOptions {
  readonly http: AxiosInstance;
  readonly tokenUrl: string;
  readonly credentials: ClientCredentials;
  readonly store: RefreshTokenStore;
  readonly clock: Clock;
  /** Refresh this long before expiry; capped at half the token's lifetime. */
  readonly skewMs: number;
  readonly emit?: EventSink;
}

export interface TokenManager extends AccessTokenProvider {
  /** Refreshes done so far (for metrics and tests). */
  refreshCount(): number;
}

interface Current {
  readonly token: string;
  readonly refreshAt: number;
}

export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const emit = options.emit ?? nullSink;
  let current: Current | undefined;
  let inflight: Promise<string> | undefined;
  let refreshes = 0;

  async function refresh(signal?: AbortSignal): Promise<string> {
    const requestedAt = options.clock.now();
    const previous = options.store.current();
    const grant = await requestTokenGrant(options.http, options.tokenUrl, options.credentials, previous, options.clock.now, signal);
    registerSecret(grant.accessToken);
    registerSecret(grant.refreshToken);
    const rotated = grant.refreshToken !== previous;
    if (rotated) await options.store.save(grant.refreshToken);
    refreshes += 1;
    const lifetimeMs = grant.expiresIn * 1000;
    current = { token: grant.accessToken, refreshAt: requestedAt + lifetimeMs - Math.min(options.skewMs, lifetimeMs / 2) };
    emit({
      type: 'log',
      level: 'info',
      phase: 'auth',
      message: rotated ? 'Access token refreshed; the rotated refresh token was persisted.' : 'Access token refreshed.',
      code: 'AUTH_REFRESHED',
      tags: { expires_in_s: grant.expiresIn, refresh_token_rotated: rotated },
    });
    return grant.accessToken;
  }

  return {
    accessToken(signal?: AbortSignal): Promise<string> {
      if (current && options.clock.now() < current.refreshAt) return Promise.resolve(current.token);
      if (!inflight) {
        inflight = refresh(signal).finally(() => {
          inflight = undefined;
        });
      }
      return inflight;
    },
    invalidate(token: string): void {
      if (current?.token === token) current = undefined;
    },
    refreshCount: () => refreshes,
  };
}
