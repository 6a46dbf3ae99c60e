/**
 * The one place that turns an HTTP outcome into an error kind:
 *   408, 429, 500, 502, 503, 504, dropped connections, timeouts → RetriableError (the retry policy may try again)
 *   401                                                        → AuthError QBO_UNAUTHORIZED (refresh once, then fail)
 *   403                                                        → AuthError QBO_FORBIDDEN (never retried)
 *   400 and anything else                                      → FatalError (never retried)
 * Messages name the call (`QBO query failed with status 429: POST /v3/company/<realm>/query`), carry QBO's Fault
 * code and message, and say what to do (a retriable failure's advice is added once retries run out: gave-up.ts). They never carry a header, so no token can leak through them.
 */
import { AuthError, FatalError, RetriableError, type BackfillError } from '../core/errors';
import { describeFault, parseFault, type QboFault } from './fault';
import { parseRetryAfter } from './retry-after';

export interface CallDescriptor {
  /** What the call is, e.g. `QBO query`, `QBO token refresh`. */
  readonly label: string;
  readonly method: string;
  /** Path without query string (no secrets ride in it). */
  readonly path: string;
  /** The server it goes to (`host[:port]`, never a credential), named when retries run out. */
  readonly host?: string;
  /** The setting that holds its URL (`QBO_TOKEN_URL`), named in the advice when the host cannot be reached. */
  readonly setting?: string;
}

export const RETRIABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
export const RETRIABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENETDOWN', 'ERR_NETWORK', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'UND_ERR_SOCKET', 'ESOCKETTIMEDOUT',
]);

const ADVICE: Readonly<Record<number, string>> = {
  400: 'QBO rejected the request as invalid; it is not retried. Check the query and QBO_MINOR_VERSION.',
  401: 'QBO refused the access token. If this persists after a refresh, re-authorize the app and update QBO_REFRESH_TOKEN.',
  403: 'The app is not authorized for this company; it is not retried. Check QBO_ENV, QBO_REALM_ID and the app keys.',
  404: 'The endpoint was not found; it is not retried. Check QBO_API_BASE_URL and QBO_REALM_ID.',
  408: 'QBO timed out the request.',
  429: 'QBO throttled the request (500 requests/min, 10 concurrent per company).',
};

function advice(status: number): string {
  if (ADVICE[status]) return ADVICE[status]!;
  return RETRIABLE_STATUSES.has(status) ? 'QBO had a server error.' : 'It is not retried.';
}

export function callName(call: CallDescriptor): string {
  return `${call.method.toUpperCase()} ${call.path}`;
}

/** Classifies a non-2xx response. */
export function classifyResponse(
  call: CallDescriptor,
  response: { status: number; data?: unknown; headers?: Record<string, unknown> },
  now: number,
): BackfillError {
  const { status } = response;
  const fault: QboFault | undefined = parseFault(response.data);
  const faultText = fault ? ` (${describeFault(fault)})` : '';
  const message = `${call.label} failed with status ${status}: ${callName(call)}${faultText}. ${advice(status)}`;
  const context = { call: callName(call), ...(fault?.code ? { fault_code: fault.code } : {}), ...(fault?.type ? { fault_type: fault.type } : {}) };
  if (RETRIABLE_STATUSES.has(status)) {
    const retryAfterMs = parseRetryAfter(response.headers?.['retry-after'], now);
    const code = status === 429 ? 'QBO_THROTTLED' : status === 408 ? 'QBO_TIMEOUT' : 'QBO_SERVER_ERROR';
    return new RetriableError(message, { code, status, context, retryAfterMs });
  }
  if (status === 401) return new AuthError(message, { code: 'QBO_UNAUTHORIZED', status, context });
  if (status === 403) return new AuthError(message, { code: 'QBO_FORBIDDEN', status, context });
  return new FatalError(message, { code: status === 400 ? 'QBO_BAD_REQUEST' : 'QBO_HTTP_ERROR', status, context });
}

/** Network failures that happen before a request reaches QBO: nothing of it can be running there. */
export const NOT_SENT_NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN']);

/**
 * True when a request failed without a response in a way that QBO may still be running it: a timeout, a dropped
 * connection, a cancel (not a refused connection or a failed name lookup, which never reached it).
 */
export function mayStillRun(error: unknown): boolean {
  const e = error as { response?: unknown; code?: unknown } | null;
  if (!e || typeof e !== 'object' || e.response) return false;
  return !(typeof e.code === 'string' && NOT_SENT_NETWORK_CODES.has(e.code));
}

/** Classifies a failure that produced no response (connection refused or reset, timeout, DNS). */
export function classifyNetworkError(call: CallDescriptor, code: string | undefined, cause?: string): BackfillError {
  const what = code ?? 'network error';
  const context = { call: callName(call), network_code: what };
  if (code && RETRIABLE_NETWORK_CODES.has(code)) {
    return new RetriableError(`${call.label} failed (${what}): ${callName(call)}. The connection failed.`, {
      code: 'QBO_NETWORK',
      context,
    });
  }
  const detail = cause ? ` (${cause.slice(0, 200)})` : '';
  return new FatalError(`${call.label} failed (${what}): ${callName(call)}${detail}. Check the URL settings and the network.`, {
    code: 'QBO_NETWORK_FATAL',
    context,
  });
}
