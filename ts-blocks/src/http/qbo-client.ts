/**
 * The QBO query endpoint client. Queries are sent as `POST /v3/company/<realm>/query?minorversion=N` with the
 * statement as the body (`Content-Type: application/text`, `Accept: application/json`): the statement never
 * lands in URLs or proxy logs, needs no URL-encoding (a `+00:00` offset in a GET query string turns into a space
 * when a hop decodes it as a form), and has no URL length limit. It is also what Intuit's own SDKs send.
 *
 * Each attempt asks the token manager for a token (so a retry after a long 429 pause uses a fresh one); a 401
 * invalidates that token and the call is re-sent once with a new one; a second 401 is an AuthError.
 */
import type { AxiosInstance } from 'axios';
import { AuthError, DataError, FatalError, type BackfillError } from '../core/errors';
import { nullSink, type EventSink } from '../core/events';
import type { AccessTokenProvider } from '../auth/token-manager';
import type { Limits } from '../config/limits';
import type { QboSettings } from '../config/settings';
import type { RequestPayload } from '../spool/types';
import { fromAxiosError } from './axios-errors';
import { CallContext, emptyCallMetrics, type CallMetrics } from './call-context';
import { callName, type CallDescriptor } from './classify';
import type { Clock } from './clock';
import { describeFault, parseFault } from './fault';
import { gaveUp } from './gave-up';
import type { RealmLimiter } from './limiter';
import { createRetryingAxios } from './retrying-axios';

export interface QboClientOptions {
  readonly qbo: Pick<QboSettings, 'apiBaseUrl' | 'realmId' | 'minorVersion'>;
  readonly limits: Limits;
  readonly auth: AccessTokenProvider;
  readonly limiter: RealmLimiter;
  readonly clock: Clock;
  readonly random?: () => number;
  readonly emit?: EventSink;
}

export interface QueryCallOptions {
  /** The chunk's counters: attempts, retries and 429s are added here. */
  readonly metrics?: CallMetrics;
  readonly signal?: AbortSignal;
}

export interface QboClient {
  readonly realmId: string;
  /** What a query is recorded as in the spool and raw.request_payload (no credential). */
  requestPayload(statement: string): RequestPayload;
  /** Sends one statement; resolves with the JSON body of a 2xx answer, or throws a classified BackfillError. */
  postQuery(statement: string, options?: QueryCallOptions): Promise<Record<string, unknown>>;
  /**
   * QBO's change data capture: `GET /cdc?entities=<qboEntity>&changedSince=<ISO time with offset>` (at most 30 days
   * back); the JSON body of a 2xx answer, through the same limiter, retries and token handling as queries.
   */
  getCdc(qboEntity: string, changedSince: string, options?: QueryCallOptions): Promise<Record<string, unknown>>;
}

export function queryPath(realmId: string): string {
  return `/v3/company/${encodeURIComponent(realmId)}/query`;
}

export function cdcPath(realmId: string): string {
  return `/v3/company/${encodeURIComponent(realmId)}/cdc`;
}

function readOkBody(call: CallDescriptor, data: unknown): Record<string, unknown> {
  const fault = parseFault(data);
  if (fault) {
    throw new FatalError(`${call.label} returned a Fault with status 200: ${callName(call)} (${describeFault(fault)}). It is not retried.`, {
      code: 'QBO_FAULT',
      context: { call: callName(call), fault_code: fault.code },
    });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new DataError(`${call.label} answered 200 without a JSON object: ${callName(call)}. Check QBO_API_BASE_URL.`, {
      code: 'QBO_UNEXPECTED_BODY',
      context: { call: callName(call) },
    });
  }
  return data as Record<string, unknown>;
}

function finalError(call: CallDescriptor, err: BackfillError, error: unknown, signal?: AbortSignal): BackfillError {
  if (signal?.aborted) return new FatalError(`${call.label} was cancelled: ${callName(call)}. The run was stopped.`, { code: 'ABORTED' });
  return gaveUp(call, err, error);
}

/** One endpoint's axios instance (limiter, retries) with the bearer token set on every attempt. */
function endpoint(options: QboClientOptions, call: CallDescriptor, emit: EventSink): AxiosInstance {
  const http: AxiosInstance = createRetryingAxios({
    call,
    limits: options.limits,
    clock: options.clock,
    baseURL: options.qbo.apiBaseUrl,
    limiter: options.limiter,
    random: options.random,
    emit,
  });
  http.interceptors.request.use(async (config) => {
    const context = config.qbo;
    const token = await options.auth.accessToken(context?.signal);
    if (context) context.token = token;
    config.headers.set('Authorization', `Bearer ${token}`);
    return config;
  });
  return http;
}

type Send = (context: CallContext) => Promise<unknown>;

/** Sends once; a 401 invalidates the token and sends once more with a fresh one; a second 401 is an AuthError. */
async function withAuthRetry(options: QboClientOptions, call: CallDescriptor, emit: EventSink, send: Send, callOptions: QueryCallOptions) {
  const context = new CallContext(callOptions.metrics ?? emptyCallMetrics(), callOptions.signal);
  for (let authAttempt = 1; ; authAttempt += 1) {
    try {
      return readOkBody(call, await send(context));
    } catch (e) {
      const err = fromAxiosError(call, e, options.clock.now());
      if (err.code !== 'QBO_UNAUTHORIZED') throw finalError(call, err, e, callOptions.signal);
      if (authAttempt > 1) {
        throw new AuthError(`${err.message} A freshly refreshed access token was refused too; re-authorize the app.`, {
          code: 'QBO_UNAUTHORIZED',
          status: 401,
          context: err.context,
        });
      }
      if (context.token !== undefined) options.auth.invalidate(context.token);
      emit({ type: 'log', level: 'info', phase: 'auth', message: `Access token refused (401) on ${callName(call)}; refreshing once.`, code: 'AUTH_401_REFRESH' });
    }
  }
}

export function createQboClient(options: QboClientOptions): QboClient {
  const path = queryPath(options.qbo.realmId);
  const host = new URL(options.qbo.apiBaseUrl).host;
  const call: CallDescriptor = { label: 'QBO query', method: 'POST', path, host, setting: 'QBO_API_BASE_URL' };
  const cdc: CallDescriptor = { label: 'QBO CDC', method: 'GET', path: cdcPath(options.qbo.realmId), host, setting: 'QBO_API_BASE_URL' };
  const emit = options.emit ?? nullSink;
  const http = endpoint(options, call, emit);
  const cdcHttp = endpoint(options, cdc, emit);
  const minorversion = options.qbo.minorVersion;
  return {
    realmId: options.qbo.realmId,
    requestPayload: (statement) => ({ method: 'POST', path, params: { minorversion }, query: statement }),
    postQuery(statement, callOptions = {}) {
      const send: Send = async (context) =>
        (await http.post(path, statement, {
          params: { minorversion },
          headers: { 'Content-Type': 'application/text', Accept: 'application/json' },
          signal: context.signal,
          qbo: context,
        })).data;
      return withAuthRetry(options, call, emit, send, callOptions);
    },
    getCdc(qboEntity, changedSince, callOptions = {}) {
      const send: Send = async (context) =>
        (await cdcHttp.get(cdc.path, {
          params: { entities: qboEntity, changedSince, minorversion },
          headers: { Accept: 'application/json' },
          signal: context.signal,
          qbo: context,
        })).data;
      return withAuthRetry(options, cdc, emit, send, callOptions);
    },
  };
}
