/**
 * Third-party QBO clients work unchanged against the sandbox, pointed at it as QBO_API.md says:
 * node-quickbooks (its own token refresh and fetchAll paging) and intuit-oauth (setAuthorizeURLs).
 */
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { call, nodeQuickbooks } from '../clients/node-quickbooks-client';

// intuit-oauth ships no types; its surface used here is tiny.
const OAuthClient = require('intuit-oauth') as new (config: Record<string, unknown>) => {
  setAuthorizeURLs(urls: Record<string, string>): void;
  refreshUsingToken(token: string): Promise<{ getJson(): any }>;
  makeApiCall(req: { url: string; method?: string }): Promise<{ json: any }>;
};

let qbo: SandboxHandle;

beforeAll(async () => {
  qbo = await startSandbox({ seed: 3, customers: 2300, items: 10, invoices: 10 });
});
afterAll(() => qbo.close());

test('node-quickbooks refreshes its token and lists all customers with its own paging', async () => {
  const client = nodeQuickbooks(qbo);
  const refreshed = await call<any>((cb) => client.refreshAccessToken(cb));
  expect(refreshed.refresh_token).toMatch(/^RT1-/);
  const before = qbo.stats().byEndpoint.query;
  const active = await call<any>((cb) => client.findCustomers({ fetchAll: true }, cb));
  const truth = [...qbo.groundTruth('Customer')] as any[];
  const activeIds = truth.filter((c) => c.Active).map((c) => c.Id);
  expect(active.QueryResponse.Customer.map((c: any) => c.Id).sort()).toEqual(activeIds.sort());
  expect(qbo.stats().byEndpoint.query - before).toBe(Math.ceil((activeIds.length + 1) / 1000));
  const everyone = await call<any>((cb) =>
    client.findCustomers([{ field: 'Active', value: [true, false], operator: 'IN' }, { field: 'fetchAll', value: true }], cb),
  );
  expect(everyone.QueryResponse.Customer).toHaveLength(truth.length);
  expect(everyone.QueryResponse.Customer.filter((c: any) => c.DisplayName.endsWith(' (deleted)')).length).toBe(truth.length - activeIds.length);
});

test('node-quickbooks sees a Fault as an error (unknown property)', async () => {
  const client = nodeQuickbooks(qbo);
  await call((cb) => client.refreshAccessToken(cb));
  await expect(call((cb) => client.findCustomers([{ field: 'Colour', value: 'red' }], cb))).rejects.toMatchObject({
    response: { status: 400, data: { Fault: { Error: [{ code: '4001' }], type: 'ValidationFault' } } },
  });
});

test('intuit-oauth refreshes a token via setAuthorizeURLs and calls the API with it', async () => {
  const client = new OAuthClient({ clientId: qbo.clientId, clientSecret: qbo.clientSecret, environment: 'sandbox', redirectUri: 'http://localhost/callback' });
  client.setAuthorizeURLs({
    authorizeEndpoint: `${qbo.baseUrl}/connect/oauth2`,
    tokenEndpoint: qbo.tokenUrl,
    revokeEndpoint: `${qbo.baseUrl}/oauth2/v1/tokens/revoke`,
    userInfoEndpoint: `${qbo.baseUrl}/v1/openid_connect/userinfo`,
  });
  const response = await client.refreshUsingToken(qbo.refreshToken);
  const token = response.getJson();
  expect(token).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
  expect(token.refresh_token).not.toBe(qbo.refreshToken);
  const sql = encodeURIComponent('select count(*) from Item');
  const api = await client.makeApiCall({ url: `${qbo.baseUrl}/v3/company/${qbo.realmId}/query?query=${sql}&minorversion=75` });
  expect(api.json.QueryResponse.totalCount).toBe(([...qbo.groundTruth('Item')] as any[]).filter((i) => i.Active).length);
  await expect(client.refreshUsingToken('RT1-000-H0-1700000000notarealtoken1234')).rejects.toMatchObject({ error: 'invalid_grant' });
});

test('intuit-oauth rotates: each refresh() keeps the newest refresh token, a superseded one dies after the 24 h grace', async () => {
  let now = Date.parse('2026-02-01T12:00:00Z');
  const sandbox = await startSandbox({ seed: 4, customers: 5, items: 5, invoices: 5, now: () => now });
  try {
    const client = new OAuthClient({ clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, environment: 'sandbox', redirectUri: 'http://localhost/callback' }) as any;
    client.setAuthorizeURLs({
      authorizeEndpoint: `${sandbox.baseUrl}/connect/oauth2`,
      tokenEndpoint: sandbox.tokenUrl,
      revokeEndpoint: `${sandbox.baseUrl}/oauth2/v1/tokens/revoke`,
      userInfoEndpoint: `${sandbox.baseUrl}/v1/openid_connect/userinfo`,
    });
    client.setToken({ refresh_token: sandbox.refreshToken, access_token: 'none-yet', token_type: 'bearer', expires_in: 0, x_refresh_token_expires_in: 8726400 });
    const chain = [sandbox.refreshToken];
    for (let k = 0; k < 3; k++) {
      await client.refresh();
      const token = client.getToken();
      expect(token.refresh_token).not.toBe(chain[chain.length - 1]);
      chain.push(token.refresh_token);
      const api = await client.makeApiCall({ url: `${sandbox.baseUrl}/v3/company/${sandbox.realmId}/query?query=${encodeURIComponent('select count(*) from Invoice')}&minorversion=75` });
      expect(api.json.QueryResponse.totalCount).toBe(5);
      now += 60 * 60_000;
    }
    expect(new Set(chain).size).toBe(4);
    now += 24 * 3600_000;
    await expect(client.refreshUsingToken(chain[1])).rejects.toMatchObject({ error: 'invalid_grant' });
    const latest = await client.refreshUsingToken(chain[3]);
    expect(latest.getJson().refresh_token).toMatch(/^RT1-/);
  } finally {
    await sandbox.close();
  }
});
