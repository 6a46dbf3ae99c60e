/**
 * Intuit's OAuth 2.0 token endpoint, refresh grant only. Client credentials come as HTTP Basic (Intuit SDKs) or
 * as form fields (several connectors). Refresh tokens rotate ('every' refresh, or 'daily'); a superseded token
 * keeps working for `refreshGraceSec` (Intuit: 24 h). Access tokens expire after `accessTokenTtlSec`.
 */
import type { SandboxFaults } from './options';
import { newAccessToken, newClientId, newClientSecret, newRefreshToken } from './credentials';

const REFRESH_TTL_SEC = 8_726_400; // rolling, as Intuit reports it
const HARD_TTL_SEC = 5 * 365 * 86_400;
const DAY_SEC = 86_400;

interface RefreshRecord {
  readonly issuedAt: number;
  readonly chainStart: number;
  supersededAt?: number;
  revoked: boolean;
}

export interface TokenReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export type AccessCheck = 'ok' | 'expired' | 'unknown';

export class TokenService {
  readonly clientId = newClientId();
  readonly clientSecret = newClientSecret();
  readonly initialRefreshToken: string;
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly accessTokens = new Map<string, { expiresAt: number }>();
  private latest: string;
  refreshes = 0;

  constructor(
    private readonly realmId: string,
    private readonly now: () => number,
    private readonly faults: () => SandboxFaults,
  ) {
    this.initialRefreshToken = this.issueRefresh(now());
    this.latest = this.initialRefreshToken;
  }

  private issueRefresh(chainStart: number): string {
    const token = newRefreshToken(this.now());
    this.refreshTokens.set(token, { issuedAt: this.now(), chainStart, revoked: false });
    return token;
  }

  /** Client authentication: Basic header first, else `client_id`/`client_secret` form fields. */
  authenticate(authorization: string | undefined, form: URLSearchParams): boolean {
    let id = form.get('client_id') ?? undefined;
    let secret = form.get('client_secret') ?? undefined;
    const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      [id, secret] = colon < 0 ? [decoded, ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
    }
    return id === this.clientId && secret === this.clientSecret;
  }

  /** Handles a token request (form body already parsed). */
  token(authorization: string | undefined, form: URLSearchParams, includeHardExpiry: boolean): TokenReply {
    if (!this.authenticate(authorization, form)) return { status: 401, body: { error: 'invalid_client' } };
    const grant = form.get('grant_type');
    if (grant !== 'refresh_token') return { status: 400, body: { error: 'unsupported_grant_type' } };
    const presented = form.get('refresh_token');
    if (!presented) return { status: 400, body: { error: 'invalid_request' } };
    const record = this.refreshTokens.get(presented);
    if (!record || !this.usable(record)) {
      return { status: 400, body: { error: 'invalid_grant', error_description: 'Incorrect or invalid refresh token' } };
    }
    const refreshToken = this.rotate(record.chainStart);
    const current = this.refreshTokens.get(refreshToken) as RefreshRecord;
    const now = this.now();
    const ttl = Math.max(1, Math.floor(this.faults().accessTokenTtlSec));
    const accessToken = newAccessToken(this.realmId, now, ttl);
    this.accessTokens.set(accessToken, { expiresAt: now + ttl * 1000 });
    this.refreshes++;
    const elapsed = (now - current.issuedAt) / 1000;
    return {
      status: 200,
      body: {
        access_token: accessToken,
        refresh_token: refreshToken,
        token_type: 'bearer',
        expires_in: ttl,
        x_refresh_token_expires_in: Math.max(0, Math.floor(REFRESH_TTL_SEC - elapsed)),
        ...(includeHardExpiry
          ? { x_refresh_token_hard_expires_in: Math.max(0, Math.floor(HARD_TTL_SEC - (now - current.chainStart) / 1000)) }
          : {}),
      },
    };
  }

  private usable(r: RefreshRecord): boolean {
    const now = this.now();
    if (r.revoked || now >= r.issuedAt + REFRESH_TTL_SEC * 1000 || now >= r.chainStart + HARD_TTL_SEC * 1000) return false;
    return r.supersededAt === undefined || now < r.supersededAt + this.faults().refreshGraceSec * 1000;
  }

  /** The refresh token to hand out now, issuing a new one when the policy says so. */
  private rotate(chainStart: number): string {
    const latest = this.refreshTokens.get(this.latest) as RefreshRecord;
    const due = this.faults().rotateRefreshToken === 'every' || this.now() - latest.issuedAt >= DAY_SEC * 1000;
    if (!due && this.usable(latest)) return this.latest;
    latest.supersededAt ??= this.now();
    this.latest = this.issueRefresh(chainStart);
    return this.latest;
  }

  /** Revokes a refresh token (and, as Intuit does, the whole grant's current token). */
  revoke(token: string): boolean {
    const r = this.refreshTokens.get(token);
    if (!r) return this.accessTokens.delete(token);
    for (const rec of this.refreshTokens.values()) rec.revoked = true;
    this.accessTokens.clear();
    return true;
  }

  checkAccess(token: string | undefined): AccessCheck {
    const rec = token ? this.accessTokens.get(token) : undefined;
    if (!rec) return 'unknown';
    return this.now() >= rec.expiresAt ? 'expired' : 'ok';
  }

  /** Early expiry fault: every access token issued so far stops working now. */
  expireAccessTokens(): void {
    const now = this.now();
    for (const rec of this.accessTokens.values()) rec.expiresAt = Math.min(rec.expiresAt, now);
  }
}
