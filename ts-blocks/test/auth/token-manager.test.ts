import { isAuthError, type BackfillError } from '../../src/core/errors';
import type { BackfillEvent } from '../../src/core/events';
import { clearRegisteredSecrets } from '../../src/core/sanitize';
import type { RefreshTokenStore } from '../../src/core/token-store';
import { DEFAULT_LIMITS } from '../../src/config/limits';
import { createTokenManager } from '../../src/auth/token-manager';
import { tokenCall } from '../../src/auth/token-endpoint';
import { createRetryingAxios } from '../../src/http/retrying-axios';
import { json, startLocalServer, type LocalServer } from '../http/local-server';
import { ManualClock, instantClock } from '../http/test-clock';
import type { Clock } from '../../src/http/clock';

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

function manager(clock: Clock, store: RefreshTokenStore, skewMs = 300_000, events: BackfillEvent[] = []) {
  const tokenUrl = `${server.url}/oauth2/v1/tokens/bearer`;
  const http = createRetryingAxios({ call: tokenCall(tokenUrl), limits: DEFAULT_LIMITS, clock, random: () => 0 });
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

  it('emits a log event without any token value', async () => {
    reply = grant;
    const events: BackfillEvent[] = [];
    await manager(instantClock(), recordingStore('refresh-0-value', []), 300_000, events).accessToken();
    expect(events).toEqual([expect.objectContaining({ type: 'log', code: 'AUTH_REFRESHED', tags: { expires_in_s: 3600, refresh_token_rotated: true } })]);
    expect(JSON.stringify(events)).not.toMatch(/access-1-value|refresh-1-value/);
  });
});
