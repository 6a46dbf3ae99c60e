import { apiFloor, jointApiFloor, pagesFor, requestLatencyMs, scheduleMakespan } from '../../src/bench/api-floor';

const limits = { maxInFlight: 10, ratePerMinute: 500, pageSize: 1000 };
const flat = { baseMs: 100, perRowMs: 0, meanJitterMs: 0 };

describe('API floor', () => {
  test('a full read needs one page per 1000 rows, the last one shorter, and none for an empty entity', () => {
    expect(pagesFor(2500, 1000)).toEqual([1000, 1000, 500]);
    expect(pagesFor(2000, 1000)).toEqual([1000, 1000]);
    expect(pagesFor(0, 1000)).toEqual([]);
  });

  test('a request costs the fixed latency plus the per-row cost plus the mean jitter', () => {
    expect(requestLatencyMs({ baseMs: 150, perRowMs: 0.5, meanJitterMs: 25 }, 1000)).toBe(675);
  });

  test('ten requests in flight: twenty equal pages take two rounds after the token call', () => {
    const floor = apiFloor(20_000, limits, flat, 100);
    expect(floor).toEqual({ rows: 20_000, dataRequests: 20, tokenRequests: 1, minRequests: 21, floorMs: 100 + 2 * 100 });
  });

  test('the 500-per-minute limit holds the 501st request back until a minute after the first', () => {
    const durations = Array.from({ length: 501 }, () => 10);
    expect(scheduleMakespan(durations, 10, 500, 60_000)).toBe(60_000 + 10);
    expect(scheduleMakespan(durations.slice(0, 500), 10, 500, 60_000)).toBe(50 * 10);
  });

  test('an empty entity still costs its token call and nothing else', () => {
    expect(apiFloor(0, limits, flat, 40)).toEqual({ rows: 0, dataRequests: 0, tokenRequests: 1, minRequests: 1, floorMs: 40 });
    expect(apiFloor(0, limits, flat).floorMs).toBe(0);
  });

  test('entities read at once share the slots: less than the sum of their floors, no less than the longest', () => {
    // 15 + 5 pages alone: 2 rounds + 1 round; together: 2 rounds.
    const joint = jointApiFloor([15_000, 5_000], limits, flat);
    expect(joint).toEqual({ rows: 20_000, dataRequests: 20, tokenRequests: 2, minRequests: 22, floorMs: 200 });
    expect(apiFloor(15_000, limits, flat).floorMs + apiFloor(5_000, limits, flat).floorMs).toBe(300);
  });
});
