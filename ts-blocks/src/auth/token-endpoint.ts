/**
 * Intuit's OAuth 2.0 token endpoint: exchanges a refresh token for an access token (and, often, a new refresh
 * token: Intuit rotates them). Client credentials go in a Basic header, as Intuit's SDKs send them.
 * 400 invalid_grant / 401 invalid_client (any 4xx but 408/429) mean the grant is unusable: AuthError telling the
 * operator to re-authorize. 408/429/5xx/network failures are retried by the caller's axios instance; when they run
 * out, the error says how many tries were made and to which host.
 */
import type { AxiosInstance } from 'axios';
import { AuthError, DataError, isRetriableError } from '../core/errors';
import { fromAxiosError } from '../http/axios-errors';
import { callName, type CallDescriptor } from '../http/classify';
import { parseFault } from '../http/fault';
import { gaveUp } from '../http/gave-up';

export interface TokenGrant {
  readonly accessToken: string;
  /** Seconds the access token lives. */
  readonly expiresIn: number;
  /** The refresh token to keep from now on (the same value when Intuit did not rotate it). */
  readonly refreshToken: string;
}

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export function tokenCall(tokenUrl: string): CallDescriptor {
  const url = new URL(tokenUrl);
  return { label: 'QBO token refresh', method: 'POST', path: url.pathname, host: url.host, setting: 'QBO_TOKEN_URL' };
}

export const REAUTHORIZE_ADVICE =
  'Re-authorize the app for this company (Intuit OAuth consent flow or OAuth Playground) and set the new ' +
  'QBO_REFRESH_TOKEN; remove a stale token file if the CLI uses one.';

function readGrant(data: unknown, previous: string, call: CallDescriptor): TokenGrant {
  const body = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const expiresIn = Number(body.expires_in);
  if (typeof body.access_token !== 'string' || body.access_token === '' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new DataError(`${call.label} returned no usable access token: ${callName(call)}. Check QBO_TOKEN_URL.`, {
      code: 'QBO_TOKEN_RESPONSE_INVALID',
    });
  }
  const refreshToken = typeof body.refresh_token === 'string' && body.refresh_token !== '' ? body.refresh_token : previous;
  return { accessToken: body.access_token, expiresIn, refreshToken };
}

/** One refresh-token grant. Throws AuthError when Intuit refuses the grant, RetriableError when retries ran out. */
export async function requestTokenGrant(
  http: AxiosInstance,
  tokenUrl: string,
  credentials: ClientCredentials,
  refreshToken: string,
  now: () => number,
  signal?: AbortSignal,
): Promise<TokenGrant> {
  const call = tokenCall(tokenUrl);
  const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64');
  try {
    const response = await http.post(tokenUrl, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(), {
      headers: { Authorization: `Basic ${basic}`, Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      signal,
    });
    return readGrant(response.data, refreshToken, call);
  } catch (e) {
    if (e instanceof DataError) throw e;
    const err = fromAxiosError(call, e, now());
    if (isRetriableError(err)) throw gaveUp(call, err, e);
    if (err.status === undefined) throw err;
    const data = (e as { response?: { data?: unknown } }).response?.data;
    const fault = parseFault(data);
    const reason = fault?.code ?? 'refused';
    throw new AuthError(`${call.label} failed with status ${err.status}: ${callName(call)} (${reason}). ${REAUTHORIZE_ADVICE}`, {
      code: 'QBO_REAUTHORIZE',
      status: err.status,
      context: { call: callName(call), oauth_error: reason },
    });
  }
}
