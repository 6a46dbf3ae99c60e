/** Writes through QBO's API: create, full and sparse update, delete, inactivation, the Faults QBO gives, limits. */
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { plant, sandboxWrite } from '../helpers/plant';
import { accessToken, query } from './client';

let now = Date.parse('2026-04-10T17:00:00Z');
let qbo: SandboxHandle;
let token: string;

beforeEach(async () => {
  now = Date.parse('2026-04-10T17:00:00Z');
  qbo = await startSandbox({ seed: 11, customers: 30, items: 15, invoices: 200, now: () => now });
  token = await accessToken(qbo);
});
afterEach(() => qbo.close());

const write = (entity: 'Invoice' | 'Customer' | 'Item', body: unknown, o = {}) => sandboxWrite(qbo, token, entity, body, o);
const gt = (entity: 'Invoice' | 'Customer' | 'Item'): any[] => [...qbo.groundTruth(entity)];
const activeCustomer = (): any => gt('Customer').find((c) => c.Active);
const activeItem = (): any => gt('Item').find((i) => i.Active && i.Type !== 'Category');
const invoiceBody = (): any => ({
  CustomerRef: { value: activeCustomer().Id },
  Line: [
    { Amount: 40, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: activeItem().Id }, Qty: 2, UnitPrice: 20 } },
    { DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: activeItem().Id }, Qty: 3, UnitPrice: 1.1 } },
  ],
});

async function read(entity: string, id: string): Promise<any> {
  const res = await fetch(`${qbo.baseUrl}/v3/company/${qbo.realmId}/${entity.toLowerCase()}/${id}?minorversion=75`, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
  return { status: res.status, json: await res.json() };
}

function fault(r: { status: number; json: any }): { code: string; Message: string; Detail: string } {
  expect(r.status).toBe(400);
  expect(r.json.Fault.type).toBe('ValidationFault');
  return r.json.Fault.Error[0];
}

describe('create', () => {
  test('a created customer gets the next Id, SyncToken "0", MetaData from the sandbox clock in Pacific time', async () => {
    const lastId = Math.max(...gt('Customer').map((c) => Number(c.Id)), ...[]);
    const r = await write('Customer', { DisplayName: 'Zephyr Welding', PrimaryEmailAddr: { Address: 'z@example.com' } });
    expect(r.status).toBe(200);
    expect(r.json.time).toBe('2026-04-10T10:00:00.000-07:00');
    const c = r.json.Customer;
    expect(c).toMatchObject({
      Id: String(lastId + 1), SyncToken: '0', DisplayName: 'Zephyr Welding', FullyQualifiedName: 'Zephyr Welding', Active: true,
      Job: false, Balance: 0, PrimaryEmailAddr: { Address: 'z@example.com' }, domain: 'QBO', sparse: false,
      MetaData: { CreateTime: '2026-04-10T10:00:00-07:00', LastUpdatedTime: '2026-04-10T10:00:00-07:00' },
    });
    expect((await read('Customer', c.Id)).json.Customer).toEqual(c);
    const page = await query(qbo, `SELECT * FROM Customer WHERE MetaData.LastUpdatedTime >= '2026-04-10T10:00:00-07:00'`, { token });
    expect(page.json().QueryResponse.Customer).toEqual([c]);
    expect(gt('Customer').at(-1)).toEqual(c);
  });

  test('a created invoice is completed as QBO does: line ids, amounts, subtotal, total, balance, dates, names', async () => {
    const body = invoiceBody();
    const r = await write('Invoice', body);
    expect(r.status).toBe(200);
    const inv = r.json.Invoice;
    const item = gt('Item').find((i) => i.Id === body.Line[0].SalesItemLineDetail.ItemRef.value);
    expect(inv).toMatchObject({
      SyncToken: '0', TxnDate: '2026-04-10', DueDate: '2026-05-10', TotalAmt: 43.3, Balance: 43.3,
      CustomerRef: { value: body.CustomerRef.value, name: activeCustomer().DisplayName },
      CurrencyRef: { value: 'USD' }, EmailStatus: 'NotSet', LinkedTxn: [],
    });
    expect(inv.Line).toEqual([
      { Id: '1', LineNum: 1, Amount: 40, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: item.Id, name: item.Name }, Qty: 2, UnitPrice: 20 } },
      { Id: '2', LineNum: 2, DetailType: 'SalesItemLineDetail', Amount: 3.3, SalesItemLineDetail: { ItemRef: { value: item.Id, name: item.Name }, Qty: 3, UnitPrice: 1.1 } },
      { Amount: 43.3, DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} },
    ]);
    expect(Number(inv.Id)).toBeGreaterThan(Math.max(...gt('Invoice').filter((i) => i.Id !== inv.Id).map((i) => Number(i.Id))));
    const byDate = await query(qbo, "SELECT * FROM Invoice WHERE TxnDate = '2026-04-10'", { token });
    expect(byDate.json().QueryResponse.Invoice.map((i: any) => i.Id)).toContain(inv.Id);
  });

  test('empty strings for unset fields (as python-quickbooks sends them) are read as unset', async () => {
    const body = { ...invoiceBody(), TxnDate: '', DueDate: '', DocNumber: '', TotalAmt: '', ShipDate: '', PrivateNote: '' };
    const inv = (await write('Invoice', body)).json.Invoice;
    expect(inv).toMatchObject({ TxnDate: '2026-04-10', DueDate: '2026-05-10', TotalAmt: 43.3, ShipDate: '', PrivateNote: '' });
    expect(inv.DocNumber).toMatch(/^\d+$/);
    const item = (await write('Item', { Name: 'Py Item', Type: '', Sku: '', Active: true })).json.Item;
    expect(item).toMatchObject({ Type: 'Service', Sku: '' });
    const c = (await write('Customer', { DisplayName: '', GivenName: 'Ada', FamilyName: 'Lovelace', Title: '', CompanyName: '' })).json.Customer;
    expect(c).toMatchObject({ DisplayName: 'Ada Lovelace', FullyQualifiedName: 'Ada Lovelace', CompanyName: '' });
  });

  test('an invoice of 600 lines is stored and served whole', async () => {
    const itemId = activeItem().Id;
    const Line = Array.from({ length: 600 }, (_, n) => ({
      Amount: n + 1, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: itemId }, Qty: 1, UnitPrice: n + 1 },
    }));
    const inv = await plant(qbo, token, 'Invoice', { CustomerRef: { value: activeCustomer().Id }, Line });
    expect(inv.Line).toHaveLength(601);
    expect(inv.TotalAmt).toBe((600 * 601) / 2);
    const page = await query(qbo, `SELECT * FROM Invoice WHERE Id = '${inv.Id}'`, { token });
    expect(page.json().QueryResponse.Invoice[0].Line).toHaveLength(601);
  });
});

describe('update', () => {
  test('a full update replaces the record, bumps SyncToken and stamps LastUpdatedTime; omitted fields are gone', async () => {
    const created = (await write('Customer', { DisplayName: 'Full Co', Notes: 'first', CompanyName: 'Full Co' })).json.Customer;
    now += 1800_000;
    const r = await write('Customer', { Id: created.Id, SyncToken: '0', DisplayName: 'Full Co Renamed', sparse: false }, { operation: 'update' });
    expect(r.status).toBe(200);
    const c = r.json.Customer;
    expect(c).toMatchObject({ Id: created.Id, SyncToken: '1', DisplayName: 'Full Co Renamed' });
    expect(c.Notes).toBeUndefined();
    expect(c.CompanyName).toBeUndefined();
    expect(c.MetaData).toEqual({ CreateTime: created.MetaData.CreateTime, LastUpdatedTime: '2026-04-10T10:30:00-07:00' });
  });

  test('a sparse update changes only the fields sent, on a generated record too', async () => {
    const before = activeCustomer();
    const r = await write('Customer', { Id: before.Id, SyncToken: before.SyncToken, sparse: true, Notes: 'VIP' }, { operation: 'update' });
    expect(r.status).toBe(200);
    const { SyncToken, MetaData, Notes, ...rest } = r.json.Customer;
    const { SyncToken: s0, MetaData: m0, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
    expect(Notes).toBe('VIP');
    expect(SyncToken).toBe(String(Number(before.SyncToken) + 1));
    expect(MetaData.LastUpdatedTime).toBe('2026-04-10T10:00:00-07:00');
    expect(gt('Customer').find((c) => c.Id === before.Id)).toEqual(r.json.Customer);
  });

  test('POST with an Id and no operation is an update, as in QBO', async () => {
    const item = activeItem();
    const r = await write('Item', { Id: item.Id, SyncToken: item.SyncToken, sparse: true, Description: 'changed' });
    expect(r.json.Item).toMatchObject({ Id: item.Id, Description: 'changed', SyncToken: String(Number(item.SyncToken) + 1) });
  });

  test('a stale SyncToken is refused with 5010 Stale Object Error and changes nothing', async () => {
    const c = activeCustomer();
    const ok = await write('Customer', { Id: c.Id, SyncToken: c.SyncToken, sparse: true, Notes: 'one' }, { operation: 'update' });
    expect(ok.status).toBe(200);
    const stale = await write('Customer', { Id: c.Id, SyncToken: c.SyncToken, sparse: true, Notes: 'two' }, { operation: 'update' });
    expect(fault(stale)).toMatchObject({ code: '5010', Message: 'Stale Object Error' });
    expect(stale.json.Fault.Error[0].Detail).toMatch(/^Stale Object Error : /);
    expect(gt('Customer').find((x) => x.Id === c.Id)).toEqual(ok.json.Customer);
  });

  test('updating a TxnDate moves the invoice in TxnDate filters (a sparse update keeps the DueDate)', async () => {
    const inv = (await write('Invoice', invoiceBody())).json.Invoice;
    const r = await write('Invoice', { Id: inv.Id, SyncToken: '0', sparse: true, TxnDate: '2019-02-03' }, { operation: 'update' });
    expect(r.json.Invoice).toMatchObject({ TxnDate: '2019-02-03', DueDate: inv.DueDate, SyncToken: '1' });
    const page = await query(qbo, "SELECT * FROM Invoice WHERE TxnDate = '2019-02-03'", { token });
    expect(page.json().QueryResponse.Invoice.map((i: any) => i.Id)).toEqual([inv.Id]);
  });
});

describe('inactive names and deletion', () => {
  test('Active=false through an update hides the name from default queries and frees the name', async () => {
    const c = (await write('Customer', { DisplayName: 'Gone Soon' })).json.Customer;
    const r = await write('Customer', { Id: c.Id, SyncToken: '0', sparse: true, Active: false }, { operation: 'update' });
    expect(r.json.Customer).toMatchObject({ Active: false, DisplayName: 'Gone Soon (deleted)', FullyQualifiedName: 'Gone Soon (deleted)' });
    const dflt = await query(qbo, `SELECT * FROM Customer WHERE Id = '${c.Id}'`, { token });
    expect(dflt.json().QueryResponse).toEqual({});
    const all = await query(qbo, `SELECT * FROM Customer WHERE Id = '${c.Id}' AND Active IN (true, false)`, { token });
    expect(all.json().QueryResponse.Customer).toEqual([r.json.Customer]);
    expect((await write('Customer', { DisplayName: 'Gone Soon' })).status).toBe(200);
    const back = await write('Customer', { ...r.json.Customer, Active: true, sparse: false }, { operation: 'update' });
    expect(fault(back)).toMatchObject({ code: '6240', Message: 'Duplicate Name Exists Error' });
  });

  test('reactivating with the record as read back drops the " (deleted)" suffix', async () => {
    const item = (await write('Item', { Name: 'Widget X', Type: 'NonInventory' })).json.Item;
    const off = (await write('Item', { Id: item.Id, SyncToken: '0', sparse: true, Active: false }, { operation: 'update' })).json.Item;
    expect(off.Name).toBe('Widget X (deleted)');
    const on = await write('Item', { ...off, Active: true }, { operation: 'update' });
    expect(on.json.Item).toMatchObject({ Name: 'Widget X', FullyQualifiedName: 'Widget X', Active: true, SyncToken: '2' });
  });

  test('a deleted invoice answers QBO\'s Deleted stub, leaves queries and reads, and shows in CDC as Deleted', async () => {
    const inv = (await write('Invoice', invoiceBody())).json.Invoice;
    now += 60_000;
    const r = await write('Invoice', { Id: inv.Id, SyncToken: inv.SyncToken }, { operation: 'delete' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ Invoice: { status: 'Deleted', domain: 'QBO', Id: inv.Id }, time: '2026-04-10T10:01:00.000-07:00' });
    expect((await query(qbo, `SELECT * FROM Invoice WHERE Id = '${inv.Id}'`, { token })).json().QueryResponse).toEqual({});
    expect(fault(await read('Invoice', inv.Id)).code).toBe('610');
    const cdc = await fetch(`${qbo.baseUrl}/v3/company/${qbo.realmId}/cdc?entities=Invoice&changedSince=2026-04-10T10:00:30-07:00`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
    });
    expect((await cdc.json()).CDCResponse[0].QueryResponse[0].Invoice).toEqual([
      { domain: 'QBO', status: 'Deleted', Id: inv.Id, MetaData: { LastUpdatedTime: '2026-04-10T10:01:00-07:00' } },
    ]);
    const again = await write('Invoice', { Id: inv.Id, SyncToken: '1' }, { operation: 'delete' });
    expect(fault(again)).toMatchObject({ code: '610', Detail: 'Object Not Found : Another user has deleted this transaction.' });
  });

  test('a delete with a stale SyncToken is refused (5010) and the invoice stays', async () => {
    const inv = gt('Invoice')[5];
    const r = await write('Invoice', { Id: inv.Id, SyncToken: String(Number(inv.SyncToken) + 1) }, { operation: 'delete' });
    expect(fault(r).code).toBe('5010');
    expect((await read('Invoice', inv.Id)).status).toBe(200);
  });

  test('customers and items cannot be deleted (QBO: make them inactive)', async () => {
    const c = activeCustomer();
    const r = await write('Customer', { Id: c.Id, SyncToken: c.SyncToken }, { operation: 'delete' });
    expect(fault(r)).toMatchObject({ code: '500', Message: 'Unsupported Operation' });
    expect(gt('Customer').find((x) => x.Id === c.Id)).toEqual(c);
  });
});

describe('validation Faults', () => {
  test.each([
    ['no CustomerRef', (b: any) => ({ ...b, CustomerRef: undefined }), '2020', 'Required parameter CustomerRef is missing in the request'],
    ['no Line', (b: any) => ({ ...b, Line: undefined }), '2020', 'Required parameter Line is missing in the request'],
    ['an empty Line', (b: any) => ({ ...b, Line: [] }), '2020', 'Required parameter Line is missing in the request'],
    ['an unknown customer', (b: any) => ({ ...b, CustomerRef: { value: '999999' } }), '2500', 'Invalid Reference Id : CustomerRef 999999 does not exist or has been made inactive'],
    ['an unknown item', (b: any) => ({ ...b, Line: [{ Amount: 1, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '9999' } } }] }), '2500', 'Invalid Reference Id : ItemRef 9999 does not exist or has been made inactive'],
    ['a bad TxnDate', (b: any) => ({ ...b, TxnDate: '2026-02-30' }), '2010', 'Property Name:TxnDate: "2026-02-30" is not a date (YYYY-MM-DD)'],
  ])('an invoice with %s is refused', async (_name, change, code, detail) => {
    const count = gt('Invoice').length;
    const r = await write('Invoice', JSON.parse(JSON.stringify(change(invoiceBody()))));
    expect(fault(r)).toMatchObject({ code, Detail: detail });
    expect(gt('Invoice')).toHaveLength(count);
  });

  test('a duplicate DisplayName (any case) is 6240 Duplicate Name Exists Error; so is a duplicate item Name', async () => {
    const taken = activeCustomer().DisplayName;
    const r = await write('Customer', { DisplayName: taken.toUpperCase() });
    expect(fault(r)).toEqual({
      Message: 'Duplicate Name Exists Error', code: '6240', element: '',
      Detail: 'The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name.',
    });
    const item = await write('Item', { Name: activeItem().Name });
    expect(fault(item)).toMatchObject({ code: '6240', Detail: expect.stringContaining('Another product or service') });
  });

  test('missing names, Ids and SyncTokens, bad item types and bodies each get their own Fault', async () => {
    expect(fault(await write('Customer', { Notes: 'nameless' }))).toMatchObject({ code: '2020', Detail: 'Required parameter DisplayName is missing in the request' });
    expect(fault(await write('Item', { Type: 'Service' }))).toMatchObject({ code: '2020', Detail: 'Required parameter Name is missing in the request' });
    expect(fault(await write('Item', { Name: 'Odd', Type: 'Gadget' }))).toMatchObject({ code: '2170', Detail: 'Invalid Enumeration : Gadget' });
    expect(fault(await write('Customer', { DisplayName: 'x' }, { operation: 'update' }))).toMatchObject({ code: '2020', Detail: 'Required parameter Id is missing in the request' });
    const c = activeCustomer();
    expect(fault(await write('Customer', { Id: c.Id, DisplayName: 'x' }))).toMatchObject({ code: '2020', Detail: 'Required parameter SyncToken is missing in the request' });
    expect(fault(await write('Customer', '{"DisplayName": '))).toMatchObject({ code: '2010', Detail: expect.stringContaining('not JSON') });
    expect(fault(await write('Customer', '<Customer><DisplayName>x</DisplayName></Customer>'))).toMatchObject({ code: '2010', Detail: expect.stringContaining('send JSON') });
    expect(fault(await write('Invoice', { Id: '5', SyncToken: '0' }, { operation: 'void' as any }))).toMatchObject({ code: '500' });
  });
});

describe('writes share the limits, faults and idempotency of QBO', () => {
  test('writes count toward the per-minute limit and are refused with 429 beyond it', async () => {
    qbo.setFaults({ rateLimitPerMin: 2 });
    expect((await write('Customer', { DisplayName: 'R1' })).status).toBe(200);
    expect((await write('Customer', { DisplayName: 'R2' })).status).toBe(200);
    const third = await write('Customer', { DisplayName: 'R3' });
    expect(third.status).toBe(429);
    expect(gt('Customer').some((c) => c.DisplayName === 'R3')).toBe(false);
    expect(qbo.stats().byEndpoint.write).toBe(3);
  });

  test('an injected 500 fails the write before anything is stored', async () => {
    qbo.setFaults({ script: [{ request: 1, fault: '500' }] });
    const count = gt('Customer').length;
    const r = await write('Customer', { DisplayName: 'Unlucky' });
    expect(r.status).toBe(500);
    expect(r.json.Fault.type).toBe('SystemFault');
    expect(gt('Customer')).toHaveLength(count);
    expect((await write('Customer', { DisplayName: 'Unlucky' })).status).toBe(200);
  });

  test('a write needs a valid access token', async () => {
    const res = await fetch(`${qbo.baseUrl}/v3/company/${qbo.realmId}/customer`, {
      method: 'POST', body: '{"DisplayName":"Anon"}', headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(401);
    expect(gt('Customer').some((c) => c.DisplayName === 'Anon')).toBe(false);
  });

  test('the same requestid twice creates one record and answers the same', async () => {
    const first = await write('Customer', { DisplayName: 'Once Only' }, { requestId: 'req-1' });
    now += 5000;
    const second = await write('Customer', { DisplayName: 'Once Only' }, { requestId: 'req-1' });
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(gt('Customer').filter((c) => c.DisplayName === 'Once Only')).toHaveLength(1);
  });

  test('without Accept: application/json the answer is XML, as QBO does', async () => {
    const res = await fetch(`${qbo.baseUrl}/v3/company/${qbo.realmId}/customer?minorversion=75`, {
      method: 'POST', body: '{"DisplayName":"Xml & Co"}', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    });
    expect(res.headers.get('content-type')).toMatch(/xml/);
    const text = await res.text();
    expect(text).toContain('<Customer domain="QBO" sparse="false"><Id>');
    expect(text).toContain('<DisplayName>Xml &amp; Co</DisplayName>');
  });
});
