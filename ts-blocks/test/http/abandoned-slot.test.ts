/**
 * The QBO HTTP layer frees a limiter slot when the response is in, but a request given up without one (dropped
 * connection, timeout) keeps its slot until QBO's own timeout would have ended it: QBO may still be running it.
 */
import { createServer } from 'node:net';
import { DEFAULT_LIMITS, QBO_SERVER_TIMEOUT_MS } from '../../src/config/limits';
import { mayStillRun } from '../../src/http/classify';
import { createRealmLimiter } from '../../src/http/limiter';
import { createRetryingAxios } from '../../src/http/retrying-axios';
import { json, startLocalServer, type LocalServer } from './local-server';
import { ManualClock } from './test-clock';

let server: LocalServer;
let answer: 'reset' | 'slow' | 503 | 200 = 200;
beforeAll(async () => {
  server = await startLocalServer((_req, res) => {
    if (answer === 'reset') return void res.socket?.destroy();
    if (answer === 'slow') return; // never answers: the client times out
    json(res, answer, answer === 200 ? { QueryResponse: {} } : { Fault: { Error: [{ Message: 'busy', code: '10000' }], type: 'SystemFault' } });
  });
});
afterAll(() => server.close());

function setup(limits: Partial<typeof DEFAULT_LIMITS> = {}, baseURL = server.url) {
  const clock = new ManualClock(Date.now());
  const limiter = createRealmLimiter({ maxInFlight: 10, requestsPerWindow: 100, rateWindowMs: 60_000 }, clock);
  const http = createRetryingAxios({
    call: { label: 'QBO query', method: 'POST', path: '/v3/company/1/query' },
    limits: { ...DEFAULT_LIMITS, maxRetries: 0, ...limits },
    clock,
    baseURL,
    limiter,
  });
  const send = () => http.post('/v3/company/1/query', 'SELECT * FROM Invoice').then(() => 'ok', () => 'failed');
  return { clock, limiter, send };
}

async function refusingUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((r) => probe.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

describe('the slot of a request given up without a response', () => {
  it('is held after a dropped connection until QBO would have timed the request out', async () => {
    answer = 'reset';
    const { clock, limiter, send } = setup();
    expect(await send()).toBe('failed');
    expect(limiter.stats()).toMatchObject({ inFlight: 1, held: 1 });
    await clock.advance(QBO_SERVER_TIMEOUT_MS - 1);
    expect(limiter.stats().held).toBe(1);
    await clock.advance(1);
    expect(limiter.stats()).toMatchObject({ inFlight: 0, held: 0 });
  });

  it('is held after a client timeout too', async () => {
    answer = 'slow';
    const { limiter, send } = setup({ requestTimeoutMs: 50 });
    expect(await send()).toBe('failed');
    expect(limiter.stats()).toMatchObject({ inFlight: 1, held: 1 });
  });

  it('is freed at once after a response, error statuses included, and after a refused connection', async () => {
    for (const status of [200, 503] as const) {
      answer = status;
      const { limiter, send } = setup();
      expect(await send()).toBe(status === 200 ? 'ok' : 'failed');
      expect(limiter.stats()).toMatchObject({ inFlight: 0, held: 0 });
    }
    const { limiter, send } = setup({}, await refusingUrl());
    expect(await send()).toBe('failed');
    expect(limiter.stats()).toMatchObject({ inFlight: 0, held: 0 });
  });

  it('is held only for failures that may have reached QBO', () => {
    expect(mayStillRun({ code: 'ECONNRESET' })).toBe(true);
    expect(mayStillRun({ code: 'ECONNABORTED' })).toBe(true);
    expect(mayStillRun({ code: 'ERR_CANCELED' })).toBe(true);
    expect(mayStillRun({ code: 'ECONNREFUSED' })).toBe(false);
    expect(mayStillRun({ code: 'ENOTFOUND' })).toBe(false);
    expect(mayStillRun({ code: 'ECONNRESET', response: { status: 502 } })).toBe(false);
  });
});
