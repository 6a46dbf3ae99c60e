import { isAuthError, type BackfillError } from '../../src/core/errors';
import type { BackfillEvent } from '../../src/core/events';
import { clearRegisteredSecrets } from '../../src/core/sanitize';
import type { RefreshTokenStore } from '../../src/core/token-store';
import { DEFAULT_LIMITS } from '../../src/config/limits';
import { createTokenManager } from '../../src/auth/token-manager';
import { freePort } from '../../src/core/free-port';
import { tokenCall } from '../../src/auth/token-endpoint';
import { createRetryingAxios } from '../../src/http/retrying-axios';
import { json, startLocalServer, type LocalServer } from '../http/local-server';
import { ManualClock, instantClock } from '../http/test-clock';
import type { Clock } from '../../src/http/clock';
import { failure } from '../helpers/failure';

let server: LocalServer;
let reply: (n: number) => { status: number; body: unknown };

beforeAll(async () => {
  server = await startLocalServer((_req, res, n) => {
    const r = reply(n);
    json(res, r.status, r.body);
  });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});
afterEach(() => clearRegisteredSecrets());

const grant = (n: number, expiresIn = 3600) => ({
  status: 200,
  body: { access_token: `access-${n}-value`, refresh_token: `refresh-${n}-value`, expires_in: expiresIn, token_type: 'bearer' },
});

function manager(clock: Clock, store: RefreshTokenStore, skewMs = 300_000, events: BackfillEvent[] = [], baseUrl = server.url) {
  const tokenUrl = `${baseUrl}/oauth2/v1/tokens/bearer`;
  const limits = { ...DEFAULT_LIMITS, maxRetries: 2 };
  const http = createRetryingAxios({ call: tokenCall(tokenUrl), limits, clock, random: () => 0, emit: (e) => events.push(e), phase: 'auth' });
  return createTokenManager({ http, tokenUrl, credentials: { clientId: 'cid-value', clientSecret: 'csecret-value' }, store, clock, skewMs, emit: (e) => events.push(e) });
}

function recordingStore(initial: string, log: string[]): RefreshTokenStore {
  let token = initial;
  return {
    current: () => token,
    async save(t: string) {
      log.push(`save ${t}`);
      await new Promise((r) => setTimeout(r, 5));
      token = t;
      log.push(`saved ${t}`);
    },
  };
}

describe('OAuth token manager', () => {
  it('sends the refresh-token grant with Basic client auth and asks for JSON', async () => {
    reply = grant;
    const tm = manager(instantClock(), recordingStore('refresh-0-value', []));
    await tm.accessToken();
    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from('cid-value:csecret-value').toString('base64')}`);
    expect(req!.headers.accept).toBe('application/json');
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(req!.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'refresh-0-value' });
  });

  it('reuses the access token until it is within the skew of expiring', async () => {
    reply = (n) => grant(n, 3600);
    const clock = new ManualClock();
    const tm = manager(clock, recordingStore('refresh-0-value', []), 300_000);
    expect(await tm.accessToken()).toBe('access-1-value');
    await clock.advance(3_299_000);
    expect(await tm.accessToken()).toBe('access-1-value');
    await clock.advance(1_000);
    expect(await tm.accessToken()).toBe('access-2-value');
    expect(tm.refreshCount()).toBe(2);
  });

  it('caps the skew at half the lifetime of short-lived tokens', async () => {
    reply = (n) => grant(n, 4);
    const clock = new ManualClock();
    const tm = manager(clock, recordingStore('refresh-0-value', []), 300_000);
    await tm.accessToken();
    await clock.advance(1_999);
    expect(await tm.accessToken()).toBe('access-1-value');
    await clock.advance(1);
    expect(await tm.accessToken()).toBe('access-2-value');
  });

  it('shares one refresh between concurrent callers', async () => {
    reply = grant;
    const tm = manager(instantClock(), recordingStore('refresh-0-value', []));
    const tokens = await Promise.all(Array.from({ length: 8 }, () => tm.accessToken()));
    expect(new Set(tokens)).toEqual(new Set(['access-1-value']));
    expect(server.requests).toHaveLength(1);
  });

  it('persists a rotated refresh token before handing out the access token, and uses it next time', async () => {
    reply = grant;
    const log: string[] = [];
    const store = recordingStore('refresh-0-value', log);
    const tm = manager(instantClock(), store);
    await tm.accessToken().then(() => log.push('access token handed out'));
    expect(log).toEqual(['save refresh-1-value', 'saved refresh-1-value', 'access token handed out']);
    tm.invalidate('access-1-value');
    await tm.accessToken();
    expect(new URLSearchParams(server.requests[1]!.body).get('refresh_token')).toBe('refresh-1-value');
  });

  it('does not save when the refresh token did not change', async () => {
    reply = () => ({ status: 200, body: { access_token: 'access-x-value', refresh_token: 'refresh-0-value', expires_in: 3600 } });
    const log: string[] = [];
    await manager(instantClock(), recordingStore('refresh-0-value', log)).accessToken();
    expect(log).toEqual([]);
  });

  it.each([
    [400, { error: 'invalid_grant', error_description: 'Incorrect or invalid refresh token' }, 'invalid_grant'],
    [401, { error: 'invalid_client' }, 'invalid_client'],
  ])('turns %i %s into an AuthError telling the operator to re-authorize, with no token in it', async (status, body, reason) => {
    reply = () => ({ status, body });
    const log: string[] = [];
    const tm = manager(instantClock(), recordingStore('refresh-0-value', log));
    let err: BackfillError | undefined;
    try {
      await tm.accessToken();
    } catch (e) {
      err = e as BackfillError;
    }
    expect(isAuthError(err)).toBe(true);
    expect(err!.code).toBe('QBO_REAUTHORIZE');
    expect(err!.message).toContain(reason);
    expect(err!.message).toContain('Re-authorize');
    expect(JSON.stringify(err!.toJSON()) + err!.message).not.toMatch(/refresh-0-value|csecret-value|Y2lk/);
    expect(server.requests).toHaveLength(1);
    expect(log).toEqual([]);
  });

  it('retries the token endpoint on 5xx', async () => {
    reply = (n) => (n === 1 ? { status: 502, body: {} } : grant(n));
    const tm = manager(instantClock(), recordingStore('refresh-0-value', []));
    expect(await tm.accessToken()).toBe('access-2-value');
  });

  it('gives up on a token endpoint that keeps failing, saying after how many tries and on which host', async () => {
    reply = () => ({ status: 503, body: {} });
    const err = await failure(manager(instantClock(), recordingStore('refresh-0-value', [])).accessToken());
    const host = new URL(server.url).host;
    expect(err.code).toBe('QBO_SERVER_ERROR');
    expect(err.message).toBe(
      `QBO token refresh gave up after 3 tries on ${host}. Last failure: QBO token refresh failed with status 503: ` +
        'POST /oauth2/v1/tokens/bearer. QBO had a server error. Run again later: finished windows are kept and the run resumes.',
    );
    expect(server.requests).toHaveLength(3);
  });

  it('names the unreachable host and its setting, and announces each retry with the host and the cause', async () => {
    const port = await freePort();
    const events: BackfillEvent[] = [];
    const err = await failure(manager(instantClock(), recordingStore('refresh-0-value', []), 300_000, events, `http://127.0.0.1:${port}`).accessToken());
    expect(err.code).toBe('QBO_NETWORK');
    expect(err.message).toMatch(new RegExp(`^QBO token refresh gave up after 3 tries on 127\\.0\\.0\\.1:${port}\\. Last failure: .*ECONNREFUSED`));
    expect(err.message).toContain(`Check that 127.0.0.1:${port} can be reached from this machine (network, proxy, QBO_TOKEN_URL)`);
    expect(err.message).not.toMatch(/refresh-0-value|csecret-value/);
    const retries = events.filter((e) => e.type === 'retry');
    expect(retries).toEqual([1, 2].map((attempt) => expect.objectContaining({
      type: 'retry', phase: 'auth', attempt, max_retries: 2, host: `127.0.0.1:${port}`, network_code: 'ECONNREFUSED', url: 'POST /oauth2/v1/tokens/bearer',
    })));
  });

  it('emits a log event without any token value', async () => {
    reply = grant;
    const events: BackfillEvent[] = [];
    await manager(instantClock(), recordingStore('refresh-0-value', []), 300_000, events).accessToken();
    expect(events).toEqual([expect.objectContaining({ type: 'log', code: 'AUTH_REFRESHED', tags: { expires_in_s: 3600, refresh_token_rotated: true } })]);
    expect(JSON.stringify(events)).not.toMatch(/access-1-value|refresh-1-value/);
  });
});
