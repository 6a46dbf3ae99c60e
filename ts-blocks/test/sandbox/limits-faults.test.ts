/** Per-realm limits (429 ThrottleExceeded), injected faults, latency, run-time fault changes and stats. */
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../src/sandbox';
import { accessToken, admin, query } from './client';

let now = Date.parse('2026-02-01T10:00:00Z');
const small = { customers: 5, items: 5, invoices: 50, now: () => now };

async function open(opts: Partial<SandboxOptions> = {}): Promise<{ qbo: SandboxHandle; token: string }> {
  const qbo = await startSandbox({ ...small, ...opts });
  return { qbo, token: await accessToken(qbo) };
}

const COUNT = 'SELECT COUNT(*) FROM Invoice';

describe('limits per realm', () => {
  test('beyond rateLimitPerMin in a rolling minute: 429 ThrottleExceeded, then accepted again', async () => {
    const { qbo, token } = await open({ rateLimitPerMin: 5 });
    try {
      const statuses: number[] = [];
      for (let k = 0; k < 5; k++) {
        statuses.push((await query(qbo, COUNT, { token })).status);
        now += 1000;
      }
      const over = await query(qbo, COUNT, { token });
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      expect(over.status).toBe(429);
      expect(over.json().Fault.Error[0]).toMatchObject({
        code: '3001',
        Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429',
      });
      now += 55_000; // 60 s after the first request: only it leaves the window
      expect((await query(qbo, COUNT, { token })).status).toBe(200);
      expect((await query(qbo, COUNT, { token })).status).toBe(429);
      expect(qbo.stats().throttled).toBe(2);
    } finally {
      await qbo.close();
    }
  });

  test("throttleFormat 'xml': the 429 body is XML even when JSON was asked", async () => {
    const { qbo, token } = await open({ rateLimitPerMin: 1, throttleFormat: 'xml' });
    try {
      await query(qbo, COUNT, { token });
      const r = await query(qbo, COUNT, { token });
      expect(r.status).toBe(429);
      expect(r.headers.get('content-type')).toMatch(/xml/);
      expect(r.text).toContain('<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>');
    } finally {
      await qbo.close();
    }
  });

  test('more than maxInFlight concurrent requests: the extra ones get 429; maxInFlight is recorded, and the refused ones count in peakConcurrent and peakPerMinute', async () => {
    const waiting: Array<() => void> = [];
    const sleep = (): Promise<void> => new Promise((resolve) => waiting.push(resolve));
    const { qbo, token } = await open({ latencyMs: 5, sleep });
    try {
      const pending = Array.from({ length: 12 }, () => query(qbo, COUNT, { token }));
      while (waiting.length < 10 || qbo.stats().byStatus['429'] !== 2) await new Promise((r) => setImmediate(r));
      waiting.splice(0).forEach((release) => release());
      const statuses = (await Promise.all(pending)).map((r) => r.status).sort();
      expect(statuses).toEqual([...Array(10).fill(200), 429, 429]);
      // The 11th is open (then refused) while the 10 wait: 11 at once; a 429 is answered at once, so the 12th
      // arrives after the 11th has left. Both refused ones count in the minute.
      expect(qbo.stats()).toMatchObject({ maxInFlight: 10, inFlight: 0, throttled: 2, peakConcurrent: 11, peakPerMinute: 12 });
    } finally {
      await qbo.close();
    }
  });
});

describe('fault injection', () => {
  test('a script makes request #N fail as told, counted from when it was set', async () => {
    const { qbo, token } = await open();
    try {
      await query(qbo, COUNT, { token });
      qbo.setFaults({
        script: [
          { request: 2, fault: '500' },
          { request: 3, fault: '503' },
          { request: 4, fault: 'reset' },
          { request: 5, fault: '429' },
          { request: 6, fault: '401' },
        ],
      });
      const outcome = async (): Promise<number | string> => {
        try {
          return (await query(qbo, COUNT, { token })).status;
        } catch (e) {
          return 'reset';
        }
      };
      const seen: Array<number | string> = [];
      for (let k = 0; k < 6; k++) seen.push(await outcome());
      expect(seen).toEqual([200, 500, 503, 'reset', 429, 401]);
      const fresh = await accessToken(qbo);
      expect((await query(qbo, COUNT, { token: fresh })).status).toBe(200);
      expect(qbo.stats().injected).toEqual({ 500: 1, 503: 1, reset: 1, 429: 1, 401: 1 });
    } finally {
      await qbo.close();
    }
  });

  test('500 is a SystemFault 10000; 503 comes from the gateway as HTML', async () => {
    const { qbo, token } = await open({ script: [{ request: 1, fault: '500' }, { request: 2, fault: '503' }] });
    try {
      const a = await query(qbo, COUNT, { token });
      expect(a.json().Fault).toMatchObject({ type: 'SystemFault', Error: [{ code: '10000' }] });
      const b = await query(qbo, COUNT, { token });
      expect(b.status).toBe(503);
      expect(b.headers.get('content-type')).toMatch(/html/);
    } finally {
      await qbo.close();
    }
  });

  test('probabilities inject failures at about the asked rate, reproducibly for a seed', async () => {
    const run = async (): Promise<number[]> => {
      const { qbo, token } = await open({ p429: 0.3, p500: 0.2 });
      try {
        const out: number[] = [];
        for (let k = 0; k < 60; k++) out.push((await query(qbo, COUNT, { token })).status);
        expect(qbo.stats().injected['429']).toBe(out.filter((s) => s === 429).length);
        return out;
      } finally {
        await qbo.close();
      }
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const share = (s: number): number => first.filter((x) => x === s).length / first.length;
    expect(share(429)).toBeGreaterThan(0.1);
    expect(share(500)).toBeGreaterThan(0.05);
    expect(share(200)).toBeGreaterThan(0.3);
  });

  test('latency: fixed plus jitter per request, plus a per-row cost for data pages', async () => {
    const asked: number[] = [];
    const sleep = async (ms: number): Promise<void> => {
      asked.push(ms);
    };
    const { qbo, token } = await open({ latencyMs: 200, latencyJitterMs: 50, latencyPerRowMs: 2, sleep, elapsedMs: () => 0 });
    try {
      await query(qbo, COUNT, { token });
      await query(qbo, 'SELECT * FROM Invoice MAXRESULTS 10', { token });
      expect(asked).toHaveLength(3);
      for (const ms of [asked[0], asked[1]]) {
        expect(ms).toBeGreaterThanOrEqual(200);
        expect(ms).toBeLessThan(250);
      }
      expect(asked[2]).toBe(20);
    } finally {
      await qbo.close();
    }
  });

  test('the time spent building a page is charged against its per-row latency, never added to it', async () => {
    const asked: number[] = [];
    const sleep = async (ms: number): Promise<void> => {
      asked.push(ms);
    };
    // Each reading of the monotonic clock is `step` ms after the previous one: building the page "took" `step` ms.
    let step = 0;
    let t = 0;
    const elapsedMs = (): number => (t += step);
    const { qbo, token } = await open({ latencyPerRowMs: 2, sleep, elapsedMs });
    try {
      step = 7;
      const page = await query(qbo, 'SELECT * FROM Invoice MAXRESULTS 10', { token });
      expect(page.status).toBe(200);
      expect(page.json().QueryResponse.Invoice).toHaveLength(10);
      expect(asked).toEqual([13]);
      // Building took longer than the page's latency: it is answered at once, with nothing more to wait.
      step = 25;
      const slow = await query(qbo, 'SELECT * FROM Invoice STARTPOSITION 11 MAXRESULTS 10', { token });
      expect(slow.json().QueryResponse.Invoice).toHaveLength(10);
      expect(asked).toEqual([13]);
    } finally {
      await qbo.close();
    }
  });
});

describe('run-time settings and stats', () => {
  test('POST /__sandbox/faults changes settings with the same names; unknown names are refused', async () => {
    const { qbo, token } = await open();
    try {
      const set = await admin(qbo, 'faults', { p500: 1, accessTokenTtlSec: 60 });
      expect(set.status).toBe(200);
      expect(set.json()).toMatchObject({ p500: 1, accessTokenTtlSec: 60, rateLimitPerMin: 500 });
      expect((await query(qbo, COUNT, { token })).status).toBe(500);
      expect((await admin(qbo, 'faults', { pFive: 1 })).status).toBe(400);
      expect((await admin(qbo, 'faults', { p500: 2 })).status).toBe(400);
      expect((await admin(qbo, 'faults')).json().p500).toBe(1);
    } finally {
      await qbo.close();
    }
  });

  test('stats count data queries, COUNT(*) queries, token calls and rows separately; admin calls apart', async () => {
    const { qbo, token } = await open();
    try {
      await query(qbo, COUNT, { token });
      await query(qbo, 'SELECT * FROM Invoice MAXRESULTS 7', { token });
      await query(qbo, 'select * from invoice startposition 8 maxresults 7', { token, method: 'POST' });
      await admin(qbo, 'stats');
      const stats = (await admin(qbo, 'stats')).json();
      expect(stats).toMatchObject({
        requests: 4,
        apiRequests: 3,
        throttled: 0,
        byEndpoint: { token: 1, query: 2, count: 1, cdc: 0, admin: 2 },
        rowsServed: 14,
        maxInFlight: 1,
      });
      expect(qbo.stats().byEndpoint.admin).toBe(2);
    } finally {
      await qbo.close();
    }
  });
});
