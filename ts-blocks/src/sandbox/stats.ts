/** Counters the tests and the benchmark read (the benchmark derives its "API floor" from query vs count). */
/** `write`: create/update/delete of one record; `batch`: one /batch request (its items are metered separately). */
export type EndpointKind = 'token' | 'query' | 'count' | 'cdc' | 'read' | 'write' | 'batch' | 'discovery' | 'admin' | 'other';

const API_KINDS: readonly EndpointKind[] = ['query', 'count', 'cdc', 'read', 'write', 'batch'];

export interface SandboxStats {
  /** Every non-admin request (QBO API, token, discovery). */
  readonly requests: number;
  /** QBO API requests (/v3/…): query + count + cdc + read + write + batch. */
  readonly apiRequests: number;
  /** 429 responses sent (limits and injected). */
  readonly throttled: number;
  /** Requests per endpoint; `query` = SELECT * queries, `count` = SELECT COUNT(*) queries. */
  readonly byEndpoint: Readonly<Record<EndpointKind, number>>;
  /** Query requests per entity queried (`FROM <Entity>`): SELECT * pages, COUNT(*) queries and 429s sent to them. */
  readonly byEntity: Readonly<Record<string, EntityCounts>>;
  /** Responses per HTTP status (a dropped connection counts as "reset"). */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Failures injected by the fault settings, by kind. */
  readonly injected: Readonly<Record<string, number>>;
  /** Records returned by query pages (not counts). */
  readonly rowsServed: number;
  /** Highest number of QBO API requests in flight at once (admitted ones: what the limits let through). */
  readonly maxInFlight: number;
  /** Highest number of QBO API requests open at once, refused and faulted ones included (QBO counts them too). */
  readonly peakConcurrent: number;
  /** Most QBO API requests that arrived within any rolling 60 s, refused and faulted ones included. */
  readonly peakPerMinute: number;
  /** Requests open (as peakConcurrent counts them) integrated over real time, ms: a span's growth / its length = mean open. */
  readonly openRequestMs: number;
  readonly inFlight: number;
  /** Successful token refreshes. */
  readonly tokenRefreshes: number;
  /** Records changed by live updates and `mutate`. */
  readonly mutations: number;
}

export interface EntityCounts {
  readonly query: number;
  readonly count: number;
  readonly throttled: number;
}

export class StatsCollector {
  requests = 0;
  apiRequests = 0;
  throttled = 0;
  rowsServed = 0;
  mutations = 0;
  readonly byEndpoint: Record<EndpointKind, number> = {
    token: 0, query: 0, count: 0, cdc: 0, read: 0, write: 0, batch: 0, discovery: 0, admin: 0, other: 0,
  };
  readonly byEntity: Record<string, { query: number; count: number; throttled: number }> = {};
  readonly byStatus: Record<string, number> = {};
  readonly injected: Record<string, number> = {};

  arrive(kind: EndpointKind, entity?: string): void {
    this.byEndpoint[kind]++;
    if (entity !== undefined && (kind === 'query' || kind === 'count')) this.entity(entity)[kind]++;
    if (kind === 'admin') return;
    this.requests++;
    if (API_KINDS.includes(kind)) this.apiRequests++;
  }

  sent(status: number | 'reset', rows = 0, entity?: string): void {
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    if (status === 429) {
      this.throttled++;
      if (entity !== undefined) this.entity(entity).throttled++;
    }
    this.rowsServed += rows;
  }

  private entity(name: string): { query: number; count: number; throttled: number } {
    return (this.byEntity[name] ??= { query: 0, count: 0, throttled: 0 });
  }

  inject(kind: string): void {
    this.injected[kind] = (this.injected[kind] ?? 0) + 1;
  }

  snapshot(extra: { maxInFlight: number; inFlight: number; tokenRefreshes: number; peakConcurrent: number; peakPerMinute: number; openRequestMs: number }): SandboxStats {
    return {
      requests: this.requests,
      apiRequests: this.apiRequests,
      throttled: this.throttled,
      byEndpoint: { ...this.byEndpoint },
      byEntity: Object.fromEntries(Object.entries(this.byEntity).map(([k, v]) => [k, { ...v }])),
      byStatus: { ...this.byStatus },
      injected: { ...this.injected },
      rowsServed: this.rowsServed,
      mutations: this.mutations,
      ...extra,
    };
  }
}
