/**
 * Per-call bookkeeping that travels with an axios request config through retries (it is a class instance, so
 * axios' config merge keeps it by reference): the chunk's metrics to bump and the access token the attempt used.
 */
export interface CallMetrics {
  /** HTTP attempts sent (retries included): what QBO meters. */
  api_calls: number;
  retries: number;
  /** 429 answers received. */
  throttled: number;
}

export function emptyCallMetrics(): CallMetrics {
  return { api_calls: 0, retries: 0, throttled: 0 };
}

export class CallContext {
  /** The access token sent by the latest attempt (so a 401 invalidates exactly that one). */
  token: string | undefined;
  constructor(
    readonly metrics: CallMetrics,
    readonly signal: AbortSignal | undefined,
  ) {}
}

declare module 'axios' {
  interface AxiosRequestConfig {
    /** qbo-backfill call context (see http/call-context.ts). */
    qbo?: CallContext;
  }
}
