/**
 * The API floor: the least time QBO's limits allow for the requests a backfill of this data needs.
 *
 * The requests the data needs, per entity: one token call, then ceil(rows / page size) data pages (a page of
 * `pageSize` rows each, the last one shorter). No COUNT query, no empty page, no retry: anything else a client
 * sends is overhead the floor does not grant. Each data page takes the sandbox's mean latency for its row count
 * (fixed + per row + half the jitter, as the sandbox draws it uniformly); the token call takes `tokenMs` (the
 * sandbox adds no latency to its token endpoint, so 0 there).
 * The schedule is the best an ideal client could do within QBO's limits: at most `maxInFlight` requests at once,
 * and at most `ratePerMinute` query requests started in any 60-second window (the token endpoint is not a
 * query and is not metered). Data pages depend only on the token, so they are packed onto the free slots,
 * longest first.
 */

export interface LatencyModel {
  /** Fixed cost of every request, ms. */
  readonly baseMs: number;
  /** Extra cost per row returned, ms. */
  readonly perRowMs: number;
  /** Mean of the random extra latency, ms. */
  readonly meanJitterMs: number;
}

export interface ApiLimits {
  readonly maxInFlight: number;
  readonly ratePerMinute: number;
  readonly pageSize: number;
}

export interface ApiFloor {
  /** Rows the floor was computed for. */
  readonly rows: number;
  readonly dataRequests: number;
  readonly tokenRequests: number;
  /** dataRequests + tokenRequests: the minimum number of API calls this data needs. */
  readonly minRequests: number;
  readonly floorMs: number;
}

export const RATE_WINDOW_MS = 60_000;

export function requestLatencyMs(model: LatencyModel, rows: number): number {
  return model.baseMs + model.perRowMs * rows + model.meanJitterMs;
}

/** Row counts of the pages a full read of `rows` rows needs (none for an empty entity). */
export function pagesFor(rows: number, pageSize: number): number[] {
  const pages: number[] = [];
  for (let left = rows; left > 0; left -= pageSize) pages.push(Math.min(pageSize, left));
  return pages;
}

/**
 * Earliest finish of `durations` (ms) started no earlier than `readyAt`, on `slots` parallel slots, with at most
 * `ratePerWindow` starts in any `windowMs`. Greedy list scheduling: each request starts at the first moment a
 * slot is free and the rate window allows it.
 */
export function scheduleMakespan(
  durations: readonly number[],
  slots: number,
  ratePerWindow: number,
  windowMs: number,
  readyAt = 0,
): number {
  const free: number[] = Array.from({ length: Math.max(1, slots) }, () => readyAt);
  const starts: number[] = [];
  let end = readyAt;
  for (const duration of [...durations].sort((a, b) => b - a)) {
    let slot = 0;
    for (let s = 1; s < free.length; s += 1) if (free[s] < free[slot]) slot = s;
    const k = starts.length;
    const rateReady = k >= ratePerWindow ? starts[k - ratePerWindow] + windowMs : readyAt;
    const start = Math.max(free[slot], rateReady);
    starts.push(start);
    free[slot] = start + duration;
    end = Math.max(end, free[slot]);
  }
  return end;
}

/** The floor for one entity of `rows` rows. */
export function apiFloor(rows: number, limits: ApiLimits, latency: LatencyModel, tokenMs = 0): ApiFloor {
  return jointApiFloor([rows], limits, latency, tokenMs);
}

/**
 * The floor for several entities read at once (pipelines started together), one token call each: all their pages
 * share the realm's slots and minute, so it is less than the sum of their floors but never less than the longest.
 */
export function jointApiFloor(rows: readonly number[], limits: ApiLimits, latency: LatencyModel, tokenMs = 0): ApiFloor {
  const pages = rows.flatMap((n) => pagesFor(n, limits.pageSize));
  const durations = pages.map((r) => requestLatencyMs(latency, r));
  const floorMs = scheduleMakespan(durations, limits.maxInFlight, limits.ratePerMinute, RATE_WINDOW_MS, tokenMs);
  const tokens = rows.length;
  return { rows: rows.reduce((a, n) => a + n, 0), dataRequests: pages.length, tokenRequests: tokens, minRequests: pages.length + tokens, floorMs };
}
