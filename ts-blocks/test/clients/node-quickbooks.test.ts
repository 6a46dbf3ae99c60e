/**
 * node-quickbooks 2.0.50, unchanged, against the sandbox (V3_ENDPOINT_BASE_URL and TOKEN_URL pointed at it):
 * fetchAll of the three entities, and create / sparse update / delete, each checked against the sandbox's own state.
 */
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { call, nodeQuickbooks } from './node-quickbooks-client';

let qbo: SandboxHandle;
let client: any;

beforeAll(async () => {
  qbo = await startSandbox({ seed: 41, customers: 1200, items: 30, invoices: 2100 });
  client = nodeQuickbooks(qbo);
  await call((cb) => client.refreshAccessToken(cb));
});
afterAll(() => qbo.close());

type Entity = 'Invoice' | 'Customer' | 'Item';
const truth = (entity: Entity): any[] => [...qbo.groundTruth(entity)];
const stored = (entity: Entity, id: string): any => truth(entity).find((r) => r.Id === id);

test('fetchAll reads every customer, item and invoice, page after page, exactly as the sandbox holds them', async () => {
  const customers = await call((cb) => client.findCustomers({ fetchAll: true }, cb));
  expect(customers.QueryResponse.Customer).toEqual(truth('Customer').filter((c) => c.Active));
  const items = await call((cb) => client.findItems({ fetchAll: true }, cb));
  expect(items.QueryResponse.Item).toEqual(truth('Item').filter((i) => i.Active));
  const before = qbo.stats().byEndpoint.query;
  const invoices = await call((cb) => client.findInvoices({ fetchAll: true }, cb));
  expect(invoices.QueryResponse.Invoice).toEqual(truth('Invoice'));
  expect(qbo.stats().byEndpoint.query - before).toBe(3);
});

test('createCustomer, then a sparse updateCustomer: what comes back is what the sandbox stores; a stale SyncToken is 5010', async () => {
  const name = 'Zoë "Sandbox" O\'Brien \u00e9\u4e2d\ud83d\ude00';
  const created = await call((cb) => client.createCustomer({ DisplayName: name, GivenName: 'Zoë', PrimaryEmailAddr: { Address: 'zoe@example.com' } }, cb));
  expect(created).toMatchObject({ DisplayName: name, SyncToken: '0', Active: true });
  expect(stored('Customer', created.Id)).toEqual(created);
  const updated = await call((cb) => client.updateCustomer({ Id: created.Id, SyncToken: created.SyncToken, CompanyName: 'Sparse Co' }, cb));
  expect(updated).toMatchObject({ Id: created.Id, SyncToken: '1', DisplayName: name, GivenName: 'Zoë', CompanyName: 'Sparse Co' });
  expect(stored('Customer', created.Id)).toEqual(updated);
  expect(await call((cb) => client.getCustomer(created.Id, cb))).toEqual(updated);
  await expect(call((cb) => client.updateCustomer({ Id: created.Id, SyncToken: '0', CompanyName: 'Late' }, cb))).rejects.toMatchObject({
    response: { status: 400, data: { Fault: { Error: [{ code: '5010' }] } } },
  });
});

test('createItem, then Active=false through a sparse update: the item leaves the default item list', async () => {
  const income = truth('Item')[0].IncomeAccountRef;
  const item = await call((cb) => client.createItem({ Name: 'Sandbox Widget', Type: 'Service', IncomeAccountRef: income, UnitPrice: 12.5 }, cb));
  expect(stored('Item', item.Id)).toEqual(item);
  const listed = await call((cb) => client.findItems({ Name: 'Sandbox Widget' }, cb));
  expect(listed.QueryResponse.Item).toEqual([item]);
  const inactive = await call((cb) => client.updateItem({ Id: item.Id, SyncToken: item.SyncToken, Active: false }, cb));
  expect(inactive.Active).toBe(false);
  const after = await call((cb) => client.findItems({ fetchAll: true }, cb));
  expect(after.QueryResponse.Item.map((i: any) => i.Id)).not.toContain(item.Id);
  expect(after.QueryResponse.Item).toEqual(truth('Item').filter((i) => i.Active));
});

test('createInvoice, then deleteInvoice: gone from queries, reported by CDC as Deleted', async () => {
  const customer = truth('Customer').find((c) => c.Active);
  const item = truth('Item').find((i) => i.Active);
  const invoice = await call((cb) =>
    client.createInvoice({
      CustomerRef: { value: customer.Id },
      Line: [{ Amount: 30, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: item.Id }, Qty: 3, UnitPrice: 10 } }],
    }, cb),
  );
  expect(invoice).toMatchObject({ SyncToken: '0', CustomerRef: { value: customer.Id }, TotalAmt: 30 });
  expect(stored('Invoice', invoice.Id)).toEqual(invoice);
  const deleted = await call((cb) => client.deleteInvoice(invoice.Id, cb));
  expect(deleted.Invoice).toMatchObject({ status: 'Deleted', Id: invoice.Id });
  expect(stored('Invoice', invoice.Id)).toBeUndefined();
  const found = await call((cb) => client.findInvoices({ Id: invoice.Id }, cb));
  expect(found.QueryResponse.Invoice).toBeUndefined();
  const since = invoice.MetaData.CreateTime;
  const cdc = await call((cb) => client.changeDataCapture(['Invoice'], since, cb));
  const changed = cdc.CDCResponse[0].QueryResponse[0].Invoice as any[];
  expect(changed).toContainEqual(expect.objectContaining({ Id: invoice.Id, status: 'Deleted' }));
});
