/** The sandbox clock: read, set, advance and freeze it, and write records at an exact instant. */
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { plant } from '../helpers/plant';
import { accessToken, admin, query } from './client';

let base = Date.parse('2026-04-10T17:00:00Z');
let qbo: SandboxHandle;
let token: string;

beforeEach(async () => {
  base = Date.parse('2026-04-10T17:00:00Z');
  qbo = await startSandbox({ seed: 21, customers: 30, items: 15, invoices: 300, now: () => base });
  token = await accessToken(qbo);
});
afterEach(() => qbo.close());

test('GET /__sandbox/clock reads the sandbox clock in company time; it follows the configured clock', async () => {
  expect((await admin(qbo, 'clock')).json()).toEqual({ now: '2026-04-10T10:00:00.000-07:00', epochMs: base, frozen: false, offsetMs: 0 });
  base += 1500;
  expect((await admin(qbo, 'clock')).json()).toMatchObject({ now: '2026-04-10T10:00:01.500-07:00', frozen: false });
});

test('set freezes the clock at the instant; advance moves it; offsetMs lets it run again', async () => {
  const set = await admin(qbo, 'clock', { set: '2026-04-11T08:00:00-07:00' });
  expect(set.json()).toMatchObject({ now: '2026-04-11T08:00:00.000-07:00', frozen: true });
  base += 60_000;
  expect((await admin(qbo, 'clock')).json().now).toBe('2026-04-11T08:00:00.000-07:00');
  expect((await admin(qbo, 'clock', { advanceMs: 90_000 })).json()).toMatchObject({ now: '2026-04-11T08:01:30.000-07:00', frozen: true });
  const running = (await admin(qbo, 'clock', { frozen: false })).json();
  expect(running).toMatchObject({ now: '2026-04-11T08:01:30.000-07:00', frozen: false });
  base += 1000;
  expect((await admin(qbo, 'clock')).json().now).toBe('2026-04-11T08:01:31.000-07:00');
  expect((await admin(qbo, 'clock', { offsetMs: 0 })).json()).toMatchObject({ epochMs: base, frozen: false });
});

test('the clock refuses bad changes with a message that says how to fix them', async () => {
  const noOffset = await admin(qbo, 'clock', { set: '2026-04-11T08:00:00' });
  expect(noOffset.status).toBe(400);
  expect(noOffset.json().error).toMatch(/"set" must be epoch milliseconds or an ISO time with an offset/);
  expect((await admin(qbo, 'clock', { when: 1 })).json().error).toMatch(/unknown key\(s\) when; known: set, offsetMs, advanceMs, frozen/);
  expect((await admin(qbo, 'clock', { advanceMs: 'soon' })).status).toBe(400);
  expect((await admin(qbo, 'clock', { set: 1, offsetMs: 2 })).json().error).toMatch(/not both/);
  expect((await admin(qbo, 'clock')).json()).toMatchObject({ epochMs: base, frozen: false });
});

test('records written at both 01:30 of the fall-back night carry their own Pacific offsets and sort by instant', async () => {
  const customer = (await query(qbo, 'SELECT * FROM Customer MAXRESULTS 1', { token })).json().QueryResponse.Customer[0];
  const item: any = [...qbo.groundTruth('Item')].find((i) => i.Active && i.Type !== 'Category');
  const body = { CustomerRef: { value: customer.Id }, Line: [{ Amount: 5, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: item.Id } } }] };
  const pst = await plant(qbo, token, 'Invoice', body, { at: '2025-11-02T09:30:00Z' });
  const pdt = await plant(qbo, token, 'Invoice', body, { at: '2025-11-02T08:30:00Z' });
  expect(pst.MetaData).toEqual({ CreateTime: '2025-11-02T01:30:00-08:00', LastUpdatedTime: '2025-11-02T01:30:00-08:00' });
  expect(pdt.MetaData).toEqual({ CreateTime: '2025-11-02T01:30:00-07:00', LastUpdatedTime: '2025-11-02T01:30:00-07:00' });
  expect(pst.TxnDate).toBe('2025-11-02');
  const window = await query(qbo, "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2025-11-02T01:00:00-08:00' AND MetaData.LastUpdatedTime < '2025-11-02T02:00:00-08:00'", { token });
  expect(window.json().QueryResponse.Invoice.map((i: any) => i.Id)).toEqual([pst.Id]);
  const sorted = await query(qbo, "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2025-11-02T01:00:00-07:00' AND MetaData.LastUpdatedTime < '2025-11-02T02:00:00-08:00' ORDERBY MetaData.LastUpdatedTime", { token });
  const ids = sorted.json().QueryResponse.Invoice.map((i: any) => i.Id);
  expect(ids.indexOf(pdt.Id)).toBeLessThan(ids.indexOf(pst.Id));
  expect((await admin(qbo, 'clock')).json()).toMatchObject({ epochMs: base, frozen: false });
});

test('an update at an exact instant lands exactly on a window edge', async () => {
  const c: any = [...qbo.groundTruth('Customer')].find((x) => x.Active);
  const edge = '2025-12-01T00:00:00-08:00';
  const updated = await plant(qbo, token, 'Customer', { Id: c.Id, SyncToken: c.SyncToken, sparse: true, Notes: 'edge' }, { operation: 'update', at: edge });
  expect(updated.MetaData.LastUpdatedTime).toBe(edge);
  const at = await query(qbo, `SELECT * FROM Customer WHERE MetaData.LastUpdatedTime = '${edge}'`, { token });
  expect(at.json().QueryResponse.Customer.map((x: any) => x.Id)).toEqual([c.Id]);
  const before = await query(qbo, `SELECT * FROM Customer WHERE Id = '${c.Id}' AND MetaData.LastUpdatedTime < '${edge}'`, { token });
  expect(before.json().QueryResponse).toEqual({});
});

test('records created with the clock set back keep generated records unchanged and CreateTime ordering right', async () => {
  const invoices = JSON.stringify([...qbo.groundTruth('Invoice')]);
  const early = await plant(qbo, token, 'Customer', { DisplayName: 'Founding Customer' }, { at: '2020-06-01T12:00:00-07:00' });
  await plant(qbo, token, 'Item', { Name: 'Founding Item' }, { at: '2020-06-01T12:00:00-07:00' });
  expect(JSON.stringify([...qbo.groundTruth('Invoice')])).toBe(invoices);
  const page = (await query(qbo, 'SELECT * FROM Customer ORDERBY MetaData.CreateTime MAXRESULTS 1000', { token })).json().QueryResponse.Customer;
  expect(page[0].Id).toBe(early.Id);
  const times = page.map((c: any) => Date.parse(c.MetaData.CreateTime));
  expect(times).toEqual([...times].sort((a, b) => a - b));
});

test('the handle sets the clock too, with the same rules', () => {
  expect(qbo.setClock({ set: Date.parse('2026-01-01T00:00:00Z'), advanceMs: 1000 })).toMatchObject({ now: '2025-12-31T16:00:01.000-08:00', frozen: true });
  expect(qbo.clock().frozen).toBe(true);
  expect(() => qbo.setClock({ set: 'tomorrow' })).toThrow(/"set" must be/);
});
