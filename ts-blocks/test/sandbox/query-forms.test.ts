/**
 * The query forms real SDKs send, each answered as QBO answers it (or refused with QBO's Fault): python-quickbooks
 * 0.9.12 (mixins.py / utils.py), node-quickbooks 2.0.50 (criteriaToString), singer tap-quickbooks 2.5.0
 * (query_builder.py), and Intuit's SDK query generators (select lists, COUNT, paging in either order).
 */
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { plant } from '../helpers/plant';
import { accessToken, query } from './client';

let qbo: SandboxHandle;
let token: string;

beforeAll(async () => {
  qbo = await startSandbox({ seed: 11, customers: 60, items: 25, invoices: 300, now: () => Date.parse('2026-03-01T12:00:00Z') });
  token = await accessToken(qbo);
});
afterAll(() => qbo.close());

type Entity = 'Invoice' | 'Customer' | 'Item';
const truth = (entity: Entity): any[] => [...qbo.groundTruth(entity)];
const active = (entity: Entity): any[] => truth(entity).filter((r) => entity === 'Invoice' || r.Active);
const byId = (a: any, b: any): number => Number(a.Id) - Number(b.Id);
const byUpdated = (a: any, b: any): number => Date.parse(a.MetaData.LastUpdatedTime) - Date.parse(b.MetaData.LastUpdatedTime) || byId(a, b);

async function rows(sql: string, entity: Entity): Promise<any[]> {
  const r = await query(qbo, sql, { token });
  expect({ sql, status: r.status, body: r.status === 200 ? '' : r.text }).toEqual({ sql, status: 200, body: '' });
  return r.json().QueryResponse[entity] ?? [];
}

async function total(sql: string): Promise<number> {
  const r = await query(qbo, sql, { token });
  expect(r.status).toBe(200);
  return r.json().QueryResponse.totalCount;
}

async function fault(sql: string): Promise<{ code: string; Detail: string }> {
  const r = await query(qbo, sql, { token });
  expect(r.status).toBe(400);
  expect(r.json().Fault.type).toBe('ValidationFault');
  return r.json().Fault.Error[0];
}

describe('python-quickbooks', () => {
  test('Item.all() sends SELECT *, Sku and gets every active item, every property', async () => {
    const got = await rows('SELECT *, Sku FROM Item STARTPOSITION 1 MAXRESULTS 1000', 'Item');
    expect(got).toEqual(active('Item').sort(byId));
  });

  test('Item.filter(Sku=…) finds an item by the Sku the select list asks for', async () => {
    const income = truth('Item')[0].IncomeAccountRef;
    const item = await plant(qbo, token, 'Item', { Name: 'Skued Widget', Type: 'Service', IncomeAccountRef: income, Sku: 'SKU-42' });
    expect(item.Sku).toBe('SKU-42');
    expect(await rows("SELECT * FROM Item WHERE Sku = 'SKU-42' ", 'Item')).toEqual([item]);
    expect(await rows('SELECT *, Sku FROM Item STARTPOSITION 1 MAXRESULTS 1000', 'Item')).toEqual(active('Item').sort(byId));
  });

  test('Customer.all(order_by, start_position, max_results) pages with ORDER BY … DESC', async () => {
    const got = await rows('SELECT * FROM Customer ORDER BY Id DESC STARTPOSITION 3 MAXRESULTS 7', 'Customer');
    expect(got).toEqual(active('Customer').sort(byId).reverse().slice(2, 9));
  });

  test('filter() escapes a quote as \\\' and where() spells ORDERBY', async () => {
    const name: string = active('Customer')[4].DisplayName;
    const escaped = name.replace(/'/g, "\\'");
    expect(await rows(`SELECT * FROM Customer WHERE DisplayName = '${escaped}' `, 'Customer')).toEqual([active('Customer')[4]]);
    const planted = await plant(qbo, token, 'Customer', { DisplayName: "O'Hara's \\ Sons" });
    const quoted = await rows("SELECT * FROM Customer WHERE DisplayName = 'O\\'Hara\\'s \\\\ Sons' ", 'Customer');
    expect(quoted).toEqual([planted]);
    expect(await rows("select * from Customer where DisplayName LIKE 'o\\'hara%' startposition 1 maxresults 1000", 'Customer')).toEqual([planted]);
    const inactive = await rows('SELECT * FROM Customer WHERE Active = False ORDERBY DisplayName', 'Customer');
    const expected = truth('Customer').filter((c) => !c.Active).sort((a, b) => a.DisplayName.toLowerCase().localeCompare(b.DisplayName.toLowerCase()));
    expect(inactive.map((c) => c.Id)).toEqual(expected.map((c) => c.Id));
  });

  test("choose() sends a lower-case `in` list of quoted ids; count() a trailing space", async () => {
    const [a, b] = [truth('Invoice')[3], truth('Invoice')[40]];
    expect(await rows(`SELECT * FROM Invoice WHERE Id in ('${a.Id}', '${b.Id}') `, 'Invoice')).toEqual([a, b]);
    expect(await total('SELECT COUNT(*) FROM Customer ')).toBe(active('Customer').length);
  });
});

describe('node-quickbooks', () => {
  test('lower-case SQL with unquoted numbers and booleans, startposition before maxresults', async () => {
    const one = truth('Customer').find((c) => c.Active);
    expect(await rows(`select * from Customer where Id = ${one.Id} startposition 1 maxresults 1000`, 'Customer')).toEqual([one]);
    expect(await total('select count(*) from Item where Active = true startposition 1 maxresults 1000')).toBe(active('Item').length);
  });

  test('LIKE with % on both sides and orderby … desc', async () => {
    const got = await rows("select * from Invoice where DocNumber LIKE '%7%' orderby TxnDate desc startposition 1 maxresults 1000", 'Invoice');
    const expected = truth('Invoice').filter((r) => r.DocNumber.includes('7'));
    expect(got.map((r) => r.TxnDate)).toEqual(expected.map((r) => r.TxnDate).sort().reverse());
    expect(got.map((r) => r.Id).sort()).toEqual(expected.map((r) => r.Id).sort());
  });
});

describe('tap-quickbooks', () => {
  test('Metadata.LastUpdatedTime >= a Z literal AND Active IN (true, false) ORDER BY … ASC', async () => {
    const sql = "SELECT * FROM Customer WHERE Metadata.LastUpdatedTime >= '2020-01-01T00:00:00Z' AND Active IN (true, false) " +
      'ORDER BY Metadata.LastUpdatedTime ASC STARTPOSITION 1 MAXRESULTS 1000';
    const expected = truth('Customer').filter((c) => Date.parse(c.MetaData.LastUpdatedTime) >= Date.parse('2020-01-01T00:00:00Z')).sort(byUpdated);
    expect((await rows(sql, 'Customer')).map((c) => c.Id)).toEqual(expected.map((c) => c.Id));
  });
});

describe("Intuit's SDK query generators", () => {
  test('a select list of properties is accepted and, as QBO does, every property is answered', async () => {
    const since = truth('Invoice')[150].MetaData.LastUpdatedTime as string;
    const sql = `SELECT Id, MetaData.LastUpdatedTime FROM Invoice WHERE MetaData.LastUpdatedTime > '${since}' ORDERBY MetaData.LastUpdatedTime DESC MAXRESULTS 1000`;
    const expected = truth('Invoice').filter((r) => Date.parse(r.MetaData.LastUpdatedTime) > Date.parse(since)).sort(byUpdated).reverse();
    expect(await rows(sql, 'Invoice')).toEqual(expected);
    expect(await rows('select id, displayname, metadata.createtime from customer maxresults 3', 'Customer')).toEqual(active('Customer').slice(0, 3));
  });

  test('Select Count(*) From … in mixed case; MAXRESULTS before STARTPOSITION', async () => {
    expect(await total('Select Count(*) From Invoice')).toBe(truth('Invoice').length);
    expect(await rows('SELECT * FROM Invoice MAXRESULTS 5 STARTPOSITION 3', 'Invoice')).toEqual(truth('Invoice').slice(2, 7));
  });
});

describe('forms QBO refuses', () => {
  test('a select list naming an unknown property is Fault 4001 naming it', async () => {
    expect(await fault('SELECT Id, Colour FROM Customer')).toMatchObject({
      code: '4001',
      Detail: 'QueryValidationError: Property Colour not found for Entity Customer',
    });
  });

  test.each([
    ['SELECT Id, FROM Customer', '"from"'],
    ['SELECT COUNT(*), Id FROM Customer', 'column 16'],
    ['SELECT FROM Customer', '"from"'],
    ["SELECT * FROM Customer WHERE DisplayName != 'x'", '!='],
    ['SELECT * FROM Invoice STARTPOSITION 1 STARTPOSITION 2', 'startposition'],
  ])('%s is Fault 4000 "Error parsing query"', async (sql, near) => {
    const err = await fault(sql);
    expect(err.code).toBe('4000');
    expect(err.Detail).toMatch(/^QueryParserError: Encountered/);
    expect(err.Detail).toContain(near);
  });
});
