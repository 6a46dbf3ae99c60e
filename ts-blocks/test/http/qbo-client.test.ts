import { isAuthError, isFatalError, isRetriableError } from '../../src/core/errors';
import type { BackfillEvent } from '../../src/core/events';
import { memoryTokenStore } from '../../src/core/token-store';
import { clearRegisteredSecrets } from '../../src/core/sanitize';
import { DEFAULT_LIMITS } from '../../src/config/limits';
import type { QboSettings } from '../../src/config/settings';
import { emptyCallMetrics } from '../../src/http/call-context';
import { createQboStack } from '../../src/extract/qbo-stack';
import { json, startLocalServer, type LocalServer, type SeenRequest } from './local-server';
import { instantClock } from './test-clock';
import { failure } from '../helpers/failure';

const REALM = '4620816365';
const QUERY_PATH = `/v3/company/${REALM}/query`;
const ACCESS = (n: number) => `access-token-value-${n}`;

let server: LocalServer;
let tokenCalls = 0;
let queryHandler: (req: SeenRequest, n: number) => { status: number; body: unknown; headers?: Record<string, string> } | 'reset';

beforeAll(async () => {
  server = await startLocalServer((req, res) => {
    if (req.url.startsWith('/oauth2/v1/tokens/bearer')) {
      tokenCalls += 1;
      return json(res, 200, { access_token: ACCESS(tokenCalls), refresh_token: 'refresh-token-value-1', expires_in: 3600, token_type: 'bearer' });
    }
    const answer = queryHandler(req, server.requests.filter((r) => r.url.startsWith(QUERY_PATH)).length);
    if (answer === 'reset') {
      res.socket?.destroy();
      return;
    }
    json(res, answer.status, answer.body, answer.headers);
  });
});
afterAll(() => server.close());
beforeEach(() => {
  tokenCalls = 0;
  server.requests.length = 0;
});
afterEach(() => clearRegisteredSecrets());

function stack(overrides: Partial<typeof DEFAULT_LIMITS> = {}) {
  const events: BackfillEvent[] = [];
  const clock = instantClock();
  const qbo: QboSettings = {
    environment: 'sandbox',
    apiBaseUrl: server.url,
    tokenUrl: `${server.url}/oauth2/v1/tokens/bearer`,
    realmId: REALM,
    clientId: 'client-id-x',
    clientSecret: 'client-secret-x',
    refreshToken: 'refresh-token-value-0',
    minorVersion: 75,
  };
  const s = createQboStack({ qbo, limits: { ...DEFAULT_LIMITS, ...overrides }, store: memoryTokenStore(qbo.refreshToken), emit: (e) => events.push(e), clock, random: () => 0.5 });
  return { ...s, events, clock };
}

const ok = { status: 200, body: { QueryResponse: { Invoice: [{ Id: '1' }] }, time: 'x' } };
const queries = () => server.requests.filter((r) => r.url.startsWith(QUERY_PATH));

describe('QBO query client', () => {
  it('POSTs the statement as application/text with minorversion, JSON accepted and a bearer token', async () => {
    queryHandler = () => ok;
    const { client } = stack();
    const body = await client.postQuery('SELECT * FROM Invoice');
    expect(body).toEqual(ok.body);
    const [req] = queries();
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe(`${QUERY_PATH}?minorversion=75`);
    expect(req!.headers['content-type']).toBe('application/text');
    expect(req!.headers.accept).toBe('application/json');
    expect(req!.headers.authorization).toBe(`Bearer ${ACCESS(1)}`);
    expect(req!.body).toBe('SELECT * FROM Invoice');
  });

  it('retries 429 honouring Retry-After, and 5xx with jittered backoff, counting attempts, retries and 429s', async () => {
    const answers = [
      { status: 429, body: { Fault: { Error: [{ Message: 'ThrottleExceeded', code: '3001' }] } }, headers: { 'Retry-After': '3' } },
      { status: 503, body: {} },
      { status: 429, body: '<IntuitResponse><Fault><Error code="3001"><Message>ThrottleExceeded</Message></Error></Fault></IntuitResponse>' },
      ok,
    ];
    queryHandler = (_req, n) => answers[n - 1]!;
    const { client, clock, events } = stack({ retryBaseMs: 1000, throttleWaitMs: 60_000 });
    const metrics = emptyCallMetrics();
    await client.postQuery('SELECT * FROM Invoice', { metrics });
    expect(metrics).toEqual({ api_calls: 4, retries: 3, throttled: 2 });
    // Retry-After 3 s; 503: backoff (random 0.5 of 2 s); a lone 429 without Retry-After: short (0.5 + 0.5 × 0.5) s.
    expect(clock.sleeps).toEqual([3000, 1000, 750]);
    const retries = events.filter((e) => e.type === 'retry');
    expect(retries.map((e) => e.type === 'retry' && [e.attempt, e.status, e.code])).toEqual([
      [1, 429, 'QBO_THROTTLED'],
      [2, 503, 'QBO_SERVER_ERROR'],
      [3, 429, 'QBO_THROTTLED'],
    ]);
    expect(retries[0]).toMatchObject({ url: `POST ${QUERY_PATH}`, delay_ms: 3000 });
  });

  it('after 429s without Retry-After waits short while they are isolated, the full window once they persist, pausing the realm only then', async () => {
    const throttled = { status: 429, body: { Fault: { Error: [{ Message: 'ThrottleExceeded', code: '3001' }] } } };
    const answers = [throttled, throttled, throttled, ok];
    queryHandler = (_req, n) => answers[n - 1]!;
    const { client, clock, events, limiter } = stack({ throttleShortMs: 1000, throttleWaitMs: 60_000, throttlePersistAfter: 3 });
    const before = clock.now();
    await client.postQuery('SELECT * FROM Invoice');
    expect(clock.sleeps.filter((ms) => ms > 0)).toEqual([750, 1500, 60_000]);
    const retries = events.filter((e) => e.type === 'retry');
    expect(retries.map((e) => e.type === 'retry' && e.wait_reason)).toEqual(['room', 'room', 'persistent']);
    expect(limiter.stats().pausedUntil).toBeGreaterThanOrEqual(before + 60_000);
  });

  it('pauses nothing but the request for an isolated 429, and a success in between starts the count again', async () => {
    const throttled = { status: 429, body: {} };
    const answers = [throttled, throttled, ok, throttled, ok];
    queryHandler = (_req, n) => answers[n - 1]!;
    const { client, clock, limiter } = stack({ throttleShortMs: 1000, throttlePersistAfter: 3 });
    await client.postQuery('SELECT * FROM Invoice');
    await client.postQuery('SELECT * FROM Invoice');
    expect(clock.sleeps.filter((ms) => ms > 0)).toEqual([750, 1500, 750]);
    expect(limiter.stats().pausedUntil).toBe(0);
  });

  it('retries a dropped connection', async () => {
    queryHandler = (_req, n) => (n === 1 ? 'reset' : ok);
    const { client } = stack();
    await expect(client.postQuery('SELECT * FROM Invoice')).resolves.toEqual(ok.body);
    expect(queries()).toHaveLength(2);
  });

  it('gives up after maxRetries with a message naming the tries, the host, the call and status', async () => {
    queryHandler = () => ({ status: 429, body: {} });
    const { client } = stack({ maxRetries: 2 });
    const err = await failure(client.postQuery('SELECT * FROM Invoice'));
    expect(isRetriableError(err)).toBe(true);
    expect(err.message).toContain(`QBO query failed with status 429: POST ${QUERY_PATH}`);
    expect(err.message).toMatch(new RegExp(`^QBO query gave up after 3 tries on ${new URL(server.url).host.replace(/\./g, '\\.')}\\. Last failure: `));
    expect(err.message).toMatch(/Run again later: finished windows are kept/);
    expect(err.context).toMatchObject({ attempts: 3, host: new URL(server.url).host });
    expect(queries()).toHaveLength(3);
  });

  it('never retries a 400 and reports the Fault', async () => {
    queryHandler = () => ({ status: 400, body: { Fault: { Error: [{ Message: 'Error parsing query', code: '4000' }], type: 'ValidationFault' } } });
    const { client } = stack();
    const err = await failure(client.postQuery('SELECT nonsense'));
    expect(isFatalError(err)).toBe(true);
    expect(err.message).toContain('code 4000: Error parsing query');
    expect(queries()).toHaveLength(1);
  });

  it('never retries a 403', async () => {
    queryHandler = () => ({ status: 403, body: { Fault: { Error: [{ Message: 'ApplicationAuthorizationFailed', code: '3100' }] } } });
    const { client } = stack();
    const err = await failure(client.postQuery('SELECT * FROM Invoice'));
    expect(isAuthError(err)).toBe(true);
    expect(err.code).toBe('QBO_FORBIDDEN');
    expect(queries()).toHaveLength(1);
  });

  it('refreshes once on 401 and re-sends with the new token', async () => {
    queryHandler = (req) => (req.headers.authorization === `Bearer ${ACCESS(1)}` ? { status: 401, body: { fault: { error: [{ code: '3200' }] } } } : ok);
    const { client, auth } = stack();
    await expect(client.postQuery('SELECT * FROM Invoice')).resolves.toEqual(ok.body);
    expect(auth.refreshCount()).toBe(2);
    expect(queries().map((r) => r.headers.authorization)).toEqual([`Bearer ${ACCESS(1)}`, `Bearer ${ACCESS(2)}`]);
  });

  it('fails with an AuthError when the refreshed token is refused too, without any token in the message', async () => {
    queryHandler = () => ({ status: 401, body: {} });
    const { client } = stack();
    const err = await failure(client.postQuery('SELECT * FROM Invoice'));
    expect(isAuthError(err)).toBe(true);
    expect(err.message).toContain('re-authorize');
    expect(JSON.stringify(err.toJSON())).not.toMatch(/access-token-value|refresh-token-value|client-secret-x/);
    expect(queries()).toHaveLength(2);
  });

  it('treats a 200 carrying a Fault as a failure, not as data', async () => {
    queryHandler = () => ({ status: 200, body: { Fault: { Error: [{ Message: 'boom', code: '10000' }] } } });
    const { client } = stack();
    expect((await failure(client.postQuery('SELECT * FROM Invoice'))).code).toBe('QBO_FAULT');
  });
});
