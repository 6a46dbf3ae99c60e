/** Records changing during a run (live updates, mutate), deletions, and the CDC endpoint. */
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { accessToken, admin, query, queryAll } from './client';

let now = Date.parse('2026-04-10T17:00:00Z');
let qbo: SandboxHandle;
let token: string;

beforeEach(async () => {
  qbo = await startSandbox({ seed: 5, customers: 40, items: 20, invoices: 800, now: () => now });
  token = await accessToken(qbo);
});
afterEach(() => qbo.close());

const gt = (entity: 'Invoice' | 'Customer' | 'Item'): any[] => [...qbo.groundTruth(entity)];
const byId = (rows: Iterable<any>): Map<string, any> => new Map([...rows].map((r) => [r.Id, r]));

async function cdc(entities: string, changedSince: string): Promise<any> {
  const url = `${qbo.baseUrl}/v3/company/${qbo.realmId}/cdc?entities=${entities}&changedSince=${encodeURIComponent(changedSince)}&minorversion=75`;
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
  return { status: res.status, body: await res.json() };
}

test('mutate(update) bumps SyncToken and moves LastUpdatedTime to the sandbox clock (Pacific offset)', async () => {
  const before = byId(qbo.groundTruth('Invoice')).get('105') ?? gt('Invoice')[3];
  const result = qbo.mutate({ entity: 'Invoice', id: before.Id });
  expect(result).toMatchObject({ id: before.Id, syncToken: String(Number(before.SyncToken) + 1), lastUpdatedTime: '2026-04-10T10:00:00-07:00' });
  const after = byId(qbo.groundTruth('Invoice')).get(before.Id);
  expect(after.MetaData.LastUpdatedTime).toBe('2026-04-10T10:00:00-07:00');
  expect(after.MetaData.CreateTime).toBe(before.MetaData.CreateTime);
  const page = await query(qbo, "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2026-04-10T10:00:00-07:00'", { token });
  expect(page.json().QueryResponse.Invoice.map((r: any) => r.Id)).toEqual([before.Id]);
});

test('a deleted invoice disappears from queries and ground truth, and shows in CDC as Deleted', async () => {
  const victim = gt('Invoice')[10];
  const total = (await query(qbo, 'SELECT COUNT(*) FROM Invoice', { token })).json().QueryResponse.totalCount;
  qbo.mutate({ entity: 'Invoice', id: victim.Id, op: 'delete' });
  expect((await query(qbo, 'SELECT COUNT(*) FROM Invoice', { token })).json().QueryResponse.totalCount).toBe(total - 1);
  expect(byId(qbo.groundTruth('Invoice')).has(victim.Id)).toBe(false);
  expect((await query(qbo, `SELECT * FROM Invoice WHERE Id = '${victim.Id}'`, { token })).json().QueryResponse).toEqual({});
  const r = await cdc('Invoice', '2026-04-01T00:00:00-07:00');
  expect(r.status).toBe(200);
  const listed = r.body.CDCResponse[0].QueryResponse[0].Invoice;
  expect(listed).toEqual([{ domain: 'QBO', status: 'Deleted', Id: victim.Id, MetaData: { LastUpdatedTime: '2026-04-10T10:00:00-07:00' } }]);
});

test('deleting a customer makes it inactive (name lists are never removed)', async () => {
  const active = gt('Customer').find((c) => c.Active && !c.Job);
  const result = qbo.mutate({ entity: 'Customer', id: active.Id, op: 'delete' });
  expect(result).toMatchObject({ deleted: false, active: false });
  const now = byId(qbo.groundTruth('Customer')).get(active.Id);
  expect(now.Active).toBe(false);
  expect(now.DisplayName).toBe(`${active.DisplayName} (deleted)`);
});

test('mutate refuses unknown records and impossible changes', () => {
  expect(() => qbo.mutate({ entity: 'Invoice', id: '1' })).toThrow(/does not exist/);
  expect(() => qbo.mutate({ entity: 'Invoice', op: 'deactivate' })).toThrow(/no Active flag/);
});

test('POST /__sandbox/mutate applies a change; bad bodies are a 400', async () => {
  const r = await admin(qbo, 'mutate', { entity: 'Item', op: 'deactivate' });
  expect(r.status).toBe(200);
  expect(r.json()).toMatchObject({ entity: 'Item', active: false });
  expect((await admin(qbo, 'mutate', { entity: 'Vendor' })).status).toBe(400);
});

test('live updates change records at liveUpdatesPerMin of sandbox clock, some invoices deleted', async () => {
  qbo.setFaults({ liveUpdatesPerMin: 120 });
  const before = byId(qbo.groundTruth('Invoice'));
  now += 5 * 60_000;
  const r = await query(qbo, "SELECT COUNT(*) FROM Invoice WHERE MetaData.LastUpdatedTime >= '2026-04-10T10:00:00-07:00'", { token });
  expect(qbo.stats().mutations).toBe(600);
  const after = byId(qbo.groundTruth('Invoice'));
  const changed = [...after.values()].filter((inv) => inv.SyncToken !== before.get(inv.Id).SyncToken);
  expect(r.json().QueryResponse.totalCount).toBe(changed.length);
  expect(changed.length).toBeGreaterThan(200);
  for (const inv of changed) expect(inv.MetaData.LastUpdatedTime).toBe('2026-04-10T10:05:00-07:00');
  const deleted = [...before.keys()].filter((id) => !after.has(id));
  expect(deleted.length).toBeGreaterThan(0);
  const feed = await cdc('Invoice,Customer', '2026-04-10T10:00:00-07:00');
  const invoicesInFeed = feed.body.CDCResponse[0].QueryResponse[0].Invoice as any[];
  expect(invoicesInFeed.filter((x) => x.status === 'Deleted').map((x) => x.Id).sort()).toEqual(deleted.sort());
  expect(feed.body.CDCResponse[0].QueryResponse[1].Customer.length).toBeGreaterThan(0);
});

test('records keep moving while a client pages by offset: naive paging misses or repeats rows', async () => {
  qbo.setFaults({ liveUpdatesPerMin: 30 });
  const seen: string[] = [];
  for (let start = 1; ; start += 100) {
    now += 10_000;
    const page = (await query(qbo, `SELECT * FROM Invoice ORDERBY MetaData.LastUpdatedTime STARTPOSITION ${start} MAXRESULTS 100`, { token })).json();
    const rows = page.QueryResponse.Invoice ?? [];
    seen.push(...rows.map((r: any) => r.Id));
    if (rows.length < 100) break;
  }
  expect(qbo.stats().mutations).toBeGreaterThan(0);
  const truth = gt('Invoice').map((r) => r.Id);
  const missing = truth.filter((id) => !seen.includes(id));
  const repeated = seen.length - new Set(seen).size;
  expect(missing.length + repeated).toBeGreaterThan(0);
});

test('CDC: changedSince more than 30 days back is refused; at most 1000 objects', async () => {
  const old = await cdc('Invoice', '2026-03-01T00:00:00-08:00');
  expect(old.status).toBe(400);
  expect(old.body.Fault.Error[0].Detail).toMatch(/30 days/);
  await qbo.close();
  qbo = await startSandbox({ seed: 5, customers: 40, items: 20, invoices: 1200, now: () => now });
  token = await accessToken(qbo);
  for (const c of gt('Customer')) qbo.mutate({ entity: 'Customer', id: c.Id });
  const one = await cdc('Customer', '2026-04-10T00:00:00-07:00');
  expect(one.body.CDCResponse[0].QueryResponse[0].Customer.length).toBe(40);
  for (const inv of gt('Invoice')) qbo.mutate({ entity: 'Invoice', id: inv.Id });
  for (const item of gt('Item')) qbo.mutate({ entity: 'Item', id: item.Id });
  const r = await cdc('Customer,Item,Invoice', '2026-04-10T00:00:00-07:00');
  const [cus, items, inv] = r.body.CDCResponse[0].QueryResponse;
  expect([cus.Customer.length, items.Item.length, inv.Invoice.length]).toEqual([40, 20, 1000 - 60]);
});
