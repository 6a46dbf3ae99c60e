/** Conformance of the OAuth token endpoint: client authentication, rotation policies, grace, error bodies. */
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { basicAuth, tokenRequest } from './client';

let now = Date.parse('2026-01-15T18:00:00Z');
const clock = { now: () => now };
const HOUR = 3600_000;

async function withSandbox(opts: Parameters<typeof startSandbox>[0], body: (qbo: SandboxHandle) => Promise<void>): Promise<void> {
  const qbo = await startSandbox({ customers: 5, items: 5, invoices: 10, ...clock, ...opts });
  try {
    await body(qbo);
  } finally {
    await qbo.close();
  }
}

test('credentials look like Intuit\'s and differ on every start', async () => {
  await withSandbox({}, async (a) => {
    await withSandbox({}, async (b) => {
      expect(a.clientId).toMatch(/^AB[A-Za-z0-9]{48}$/);
      expect(a.refreshToken).toMatch(/^RT1-\d{3}-H0-\d{10}[a-z0-9]{20}$/);
      expect(a.clientSecret).not.toBe(b.clientSecret);
      expect(a.refreshToken).not.toBe(b.refreshToken);
      expect(a.realmId).toBe(b.realmId); // same seed, same company
      expect(a.tokenUrl).toBe(`${a.baseUrl}/oauth2/v1/tokens/bearer`);
    });
  });
});

test('a refresh with Basic auth returns Intuit\'s token body and an intuit_tid header', async () => {
  await withSandbox({}, async (qbo) => {
    const r = await tokenRequest(qbo, qbo.refreshToken);
    expect(r.status).toBe(200);
    expect(r.headers.get('intuit_tid')).toMatch(/^1-[0-9a-f]+-[0-9a-f]{24}$/);
    const body = r.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type', 'x_refresh_token_expires_in']);
    expect(body.access_token).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/);
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600, x_refresh_token_expires_in: 8726400 });
  });
});

test('client credentials in the form body are accepted too', async () => {
  await withSandbox({}, async (qbo) => {
    const r = await tokenRequest(qbo, qbo.refreshToken, '', { client_id: qbo.clientId, client_secret: qbo.clientSecret });
    expect(r.status).toBe(200);
  });
});

test('wrong client credentials are a 401 invalid_client', async () => {
  await withSandbox({}, async (qbo) => {
    const r = await tokenRequest(qbo, qbo.refreshToken, basicAuth(qbo.clientId, 'wrong'));
    expect(r.status).toBe(401);
    expect(r.json()).toEqual({ error: 'invalid_client' });
  });
});

test('an unknown refresh token is a 400 invalid_grant', async () => {
  await withSandbox({}, async (qbo) => {
    const r = await tokenRequest(qbo, 'RT1-000-H0-1700000000notarealtoken1234');
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ error: 'invalid_grant', error_description: 'Incorrect or invalid refresh token' });
  });
});

test("'every' rotation: each refresh returns a new token; the old one works for the grace period only", async () => {
  await withSandbox({ rotateRefreshToken: 'every', refreshGraceSec: 86400 }, async (qbo) => {
    const first = (await tokenRequest(qbo, qbo.refreshToken)).json().refresh_token;
    expect(first).not.toBe(qbo.refreshToken);
    const second = (await tokenRequest(qbo, first)).json().refresh_token;
    expect(second).not.toBe(first);
    now += 23 * HOUR;
    expect((await tokenRequest(qbo, qbo.refreshToken)).status).toBe(200); // superseded 23 h ago
    now += 2 * HOUR;
    const late = await tokenRequest(qbo, qbo.refreshToken);
    expect(late.status).toBe(400);
    expect(late.json().error).toBe('invalid_grant');
  });
});

test('grace 0: a superseded refresh token stops working at once', async () => {
  await withSandbox({ refreshGraceSec: 0 }, async (qbo) => {
    expect((await tokenRequest(qbo, qbo.refreshToken)).status).toBe(200);
    expect((await tokenRequest(qbo, qbo.refreshToken)).status).toBe(400);
  });
});

test("'daily' rotation: the same refresh token comes back until it is 24 h old", async () => {
  await withSandbox({ rotateRefreshToken: 'daily' }, async (qbo) => {
    const a = (await tokenRequest(qbo, qbo.refreshToken)).json();
    expect(a.refresh_token).toBe(qbo.refreshToken);
    now += 10 * HOUR;
    const b = (await tokenRequest(qbo, a.refresh_token)).json();
    expect(b.refresh_token).toBe(qbo.refreshToken);
    expect(b.x_refresh_token_expires_in).toBe(8726400 - 10 * 3600);
    expect(b.access_token).not.toBe(a.access_token);
    now += 15 * HOUR;
    const c = (await tokenRequest(qbo, b.refresh_token)).json();
    expect(c.refresh_token).not.toBe(qbo.refreshToken);
  });
});

test('x-include-refresh-token-hard-expires-in adds the hard expiry', async () => {
  await withSandbox({}, async (qbo) => {
    const res = await fetch(qbo.tokenUrl, {
      method: 'POST',
      headers: {
        Authorization: basicAuth(qbo.clientId, qbo.clientSecret),
        'Content-Type': 'application/x-www-form-urlencoded',
        'x-include-refresh-token-hard-expires-in': 'true',
      },
      body: `grant_type=refresh_token&refresh_token=${qbo.refreshToken}`,
    });
    expect(((await res.json()) as any).x_refresh_token_hard_expires_in).toBe(5 * 365 * 86400);
  });
});

test('an unsupported grant type is refused', async () => {
  await withSandbox({}, async (qbo) => {
    const r = await tokenRequest(qbo, qbo.refreshToken, undefined, { grant_type: 'password' });
    expect(r.status).toBe(400);
    expect(r.json().error).toBe('unsupported_grant_type');
  });
});

test('accessTokenTtlSec shortens access tokens (down to seconds)', async () => {
  await withSandbox({ accessTokenTtlSec: 5 }, async (qbo) => {
    expect((await tokenRequest(qbo, qbo.refreshToken)).json().expires_in).toBe(5);
  });
});

test('the discovery document points at the sandbox endpoints', async () => {
  await withSandbox({}, async (qbo) => {
    const doc = (await (await fetch(`${qbo.baseUrl}/.well-known/openid_configuration`)).json()) as any;
    expect(doc.token_endpoint).toBe(qbo.tokenUrl);
    expect(doc.revocation_endpoint).toBe(`${qbo.baseUrl}/oauth2/v1/tokens/revoke`);
    expect(doc.issuer).toBe(qbo.baseUrl);
  });
});
