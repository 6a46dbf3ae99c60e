/** Conformance of the query endpoint: grammar, paging, envelope, default Active filter, time zones, Faults. */
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { accessToken, query, queryAll } from './client';

let qbo: SandboxHandle;
let token: string;
let now = Date.parse('2026-03-01T12:00:00Z');

beforeAll(async () => {
  qbo = await startSandbox({ seed: 7, customers: 80, items: 30, invoices: 900, now: () => now });
  token = await accessToken(qbo);
});
afterAll(() => qbo.close());

const all = (entity: 'Invoice' | 'Customer' | 'Item'): any[] => [...qbo.groundTruth(entity)];
const ids = (rows: any[]): string[] => rows.map((r) => r.Id);

describe('grammar', () => {
  test('GET ?query= and POST application/text give the same answer', async () => {
    const sql = 'SELECT * FROM Invoice ORDERBY Id STARTPOSITION 1 MAXRESULTS 5';
    const viaGet = await query(qbo, sql, { token });
    const viaPost = await query(qbo, sql, { token, method: 'POST' });
    expect(viaGet.status).toBe(200);
    expect(viaPost.json().QueryResponse).toEqual(viaGet.json().QueryResponse);
  });

  test('keywords are case-insensitive, ORDER BY = ORDERBY, Metadata. = MetaData., lower-case entity names', async () => {
    const a = await query(qbo, "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2022-01-01T00:00:00-08:00' ORDERBY MetaData.LastUpdatedTime MAXRESULTS 20", { token });
    const b = await query(qbo, "select * from invoice where Metadata.LastUpdatedTime >= '2022-01-01T00:00:00-08:00' order by metadata.lastupdatedtime maxresults 20", { token });
    expect(b.status).toBe(200);
    expect(Object.keys(b.json().QueryResponse)).toEqual(['Invoice', 'startPosition', 'maxResults']);
    expect(ids(b.json().QueryResponse.Invoice)).toEqual(ids(a.json().QueryResponse.Invoice));
  });

  test.each([
    ["SELECT * FROM Customer WHERE Active = true OR Id = '1'", 'or'],
    ['SELECT * FROM Customer JOIN Invoice', 'JOIN'],
    ['SELECT * FROM Invoice GROUP BY CustomerRef', 'GROUP'],
    ["SELECT * FROM Customer WHERE NOT Active = true", 'NOT'],
  ])('%s is a 400 Fault 4000 "Error parsing query"', async (sql, word) => {
    const r = await query(qbo, sql, { token });
    expect(r.status).toBe(400);
    const err = r.json().Fault.Error[0];
    expect(r.json().Fault.type).toBe('ValidationFault');
    expect(err).toMatchObject({ Message: 'Error parsing query', code: '4000' });
    expect(err.Detail).toMatch(/^QueryParserError: Encountered/);
    expect(err.Detail).toContain(word);
  });

  test('an unknown property is a 400 Fault 4001 naming it', async () => {
    const r = await query(qbo, "SELECT * FROM Customer WHERE Colour = 'red'", { token });
    expect(r.status).toBe(400);
    expect(r.json().Fault.Error[0]).toMatchObject({
      code: '4001',
      Detail: 'QueryValidationError: Property Colour not found for Entity Customer',
    });
  });

  test('operators = < > <= >= IN LIKE select what they say', async () => {
    const invoices = all('Invoice');
    const pivot = invoices[450].TxnDate as string;
    const cases: Array<[string, (r: any) => boolean]> = [
      [`TxnDate = '${pivot}'`, (r) => r.TxnDate === pivot],
      [`TxnDate < '${pivot}'`, (r) => r.TxnDate < pivot],
      [`TxnDate > '${pivot}'`, (r) => r.TxnDate > pivot],
      [`TxnDate <= '${pivot}'`, (r) => r.TxnDate <= pivot],
      [`TxnDate >= '${pivot}'`, (r) => r.TxnDate >= pivot],
      [`Id IN ('${invoices[3].Id}', '${invoices[9].Id}', '999999')`, (r) => r.Id === invoices[3].Id || r.Id === invoices[9].Id],
      [`DocNumber LIKE '10%'`, (r) => String(r.DocNumber).startsWith('10')],
    ];
    for (const [where, keep] of cases) {
      const got = await queryAll(qbo, `SELECT * FROM Invoice WHERE ${where} ORDERBY Id`, token);
      expect({ where, ids: ids(got) }).toEqual({ where, ids: ids(invoices.filter(keep)) });
    }
  });

  test('LIKE is case-insensitive and % matches anywhere', async () => {
    const customers = all('Customer').filter((c) => c.Active);
    const got = await queryAll(qbo, "SELECT * FROM Customer WHERE DisplayName LIKE '%a%'", token);
    expect(ids(got).sort()).toEqual(ids(customers.filter((c) => /a/i.test(c.DisplayName))).sort());
  });
});

describe('paging and envelope', () => {
  test('STARTPOSITION is 1-based, 0 reads as 1, maxResults is the number of rows on the page', async () => {
    const first = (await query(qbo, 'SELECT * FROM Invoice ORDERBY Id STARTPOSITION 1 MAXRESULTS 3', { token })).json();
    const zero = (await query(qbo, 'SELECT * FROM Invoice ORDERBY Id STARTPOSITION 0 MAXRESULTS 3', { token })).json();
    const second = (await query(qbo, 'SELECT * FROM Invoice ORDERBY Id STARTPOSITION 2 MAXRESULTS 3', { token })).json();
    expect(first.QueryResponse.startPosition).toBe(1);
    expect(first.QueryResponse.maxResults).toBe(3);
    expect(ids(zero.QueryResponse.Invoice)).toEqual(ids(first.QueryResponse.Invoice));
    expect(second.QueryResponse.Invoice[0].Id).toBe(first.QueryResponse.Invoice[1].Id);
    const last = (await query(qbo, 'SELECT * FROM Invoice ORDERBY Id STARTPOSITION 899 MAXRESULTS 1000', { token })).json();
    expect(last.QueryResponse.maxResults).toBe(2);
  });

  test('MAXRESULTS defaults to 100 and may not exceed 1000 (exact Fault)', async () => {
    const page = (await query(qbo, 'SELECT * FROM Invoice', { token })).json();
    expect(page.QueryResponse.Invoice).toHaveLength(100);
    const r = await query(qbo, 'SELECT * FROM Invoice MAXRESULTS 1500', { token });
    expect(r.status).toBe(400);
    expect(r.json().Fault.Error[0].Detail).toBe('QueryValidationError: value 1500 is too large. Max allowed value is 1000');
  });

  test('an empty page is QueryResponse {} with no entity key', async () => {
    const r = await query(qbo, 'SELECT * FROM Invoice STARTPOSITION 5000', { token });
    expect(Object.keys(r.json())).toEqual(['QueryResponse', 'time']);
    expect(r.json().QueryResponse).toEqual({});
  });

  test('COUNT(*) answers totalCount with the same filters as the data query', async () => {
    const where = "WHERE MetaData.LastUpdatedTime >= '2023-01-01T00:00:00-08:00' AND MetaData.LastUpdatedTime < '2024-01-01T00:00:00-08:00'";
    const r = (await query(qbo, `SELECT COUNT(*) FROM Invoice ${where}`, { token })).json();
    const rows = await queryAll(qbo, `SELECT * FROM Invoice ${where} ORDERBY MetaData.LastUpdatedTime`, token);
    expect(r.QueryResponse).toEqual({ totalCount: rows.length });
    expect(rows.length).toBeGreaterThan(0);
  });

  test('the time field is the company clock with milliseconds and a Pacific offset', async () => {
    const body = (await query(qbo, 'SELECT COUNT(*) FROM Item', { token })).json();
    expect(body.time).toBe('2026-03-01T04:00:00.000-08:00');
  });

  test('paging by LastUpdatedTime returns every invoice exactly once, in order', async () => {
    const rows = await queryAll(qbo, 'SELECT * FROM Invoice ORDERBY MetaData.LastUpdatedTime', token, 400);
    const truth = all('Invoice');
    expect(new Set(ids(rows))).toEqual(new Set(ids(truth)));
    expect(rows).toHaveLength(truth.length);
    const stamps = rows.map((r) => Date.parse(r.MetaData.LastUpdatedTime));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  });
});

describe('default Active filter on name lists', () => {
  test.each(['Customer', 'Item'] as const)('%s: only active rows unless the query asks for inactive ones', async (entity) => {
    const truth = all(entity);
    const inactive = truth.filter((r) => !r.Active);
    expect(inactive.length / truth.length).toBeGreaterThanOrEqual(0.1);
    const plain = await queryAll(qbo, `SELECT * FROM ${entity}`, token);
    expect(ids(plain).sort()).toEqual(ids(truth.filter((r) => r.Active)).sort());
    const both = await queryAll(qbo, `SELECT * FROM ${entity} WHERE Active IN (true, false)`, token);
    expect(ids(both).sort()).toEqual(ids(truth).sort());
    const onlyInactive = await queryAll(qbo, `SELECT * FROM ${entity} WHERE Active = false`, token);
    expect(ids(onlyInactive).sort()).toEqual(ids(inactive).sort());
    const nameKey = entity === 'Customer' ? 'DisplayName' : 'Name';
    expect(onlyInactive.every((r) => r[nameKey].endsWith(' (deleted)'))).toBe(true);
    expect(plain.some((r) => r[nameKey].endsWith(' (deleted)'))).toBe(false);
  });
});

describe('time zones', () => {
  test('payload timestamps are whole seconds with -08:00 in winter and -07:00 in summer', () => {
    const stamps = all('Invoice').map((r) => r.MetaData.LastUpdatedTime as string);
    for (const s of stamps) expect(s).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-0[78]:00$/);
    const january = stamps.find((s) => s.slice(5, 7) === '01') as string;
    const july = stamps.find((s) => s.slice(5, 7) === '07') as string;
    expect(january.endsWith('-08:00')).toBe(true);
    expect(july.endsWith('-07:00')).toBe(true);
  });

  test('a literal without offset is read in America/Los_Angeles; explicit offsets are honoured', async () => {
    const target = all('Invoice')[321];
    const stamp = target.MetaData.LastUpdatedTime as string; // e.g. 2023-05-04T10:11:12-07:00
    const wall = stamp.slice(0, 19);
    const utc = new Date(Date.parse(stamp)).toISOString().slice(0, 19);
    const find = async (literal: string): Promise<string[]> =>
      ids((await query(qbo, `SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime = '${literal}'`, { token })).json().QueryResponse.Invoice ?? []);
    expect(await find(wall)).toContain(target.Id);
    expect(await find(`${utc}+00:00`)).toContain(target.Id);
    expect(await find(`${utc}Z`)).toContain(target.Id);
    expect(await find(`${wall}${stamp.slice(19).replace(':', '')}`)).toContain(target.Id);
    expect(await find(`${wall}+00:00`)).not.toContain(target.Id);
  });
});

describe('format and authentication', () => {
  test('without format=json or a JSON Accept the answer is XML', async () => {
    const r = await query(qbo, 'SELECT * FROM Item MAXRESULTS 2', { token, json: false });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/xml/);
    expect(r.text).toMatch(/<IntuitResponse[^>]*><QueryResponse startPosition="1" maxResults="2"><Item domain="QBO"/);
  });

  test('responses carry an intuit_tid header', async () => {
    const r = await query(qbo, 'SELECT COUNT(*) FROM Customer', { token });
    expect(r.headers.get('intuit_tid')).toMatch(/^1-[0-9a-f]+-[0-9a-f]{24}$/);
  });

  test('an unknown access token is a 401 Fault 3200 (lower-case keys)', async () => {
    const r = await query(qbo, 'SELECT * FROM Customer', { token: 'eyJnot.a.token' });
    expect(r.status).toBe(401);
    expect(r.json().fault.error[0]).toMatchObject({
      code: '3200',
      message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
    });
    expect(r.json().fault.type).toBe('AUTHENTICATION');
  });

  test('an access token expires after accessTokenTtlSec of sandbox clock', async () => {
    const fresh = await accessToken(qbo);
    now += 3599_000;
    expect((await query(qbo, 'SELECT COUNT(*) FROM Item', { token: fresh })).status).toBe(200);
    now += 2_000;
    const r = await query(qbo, 'SELECT COUNT(*) FROM Item', { token: fresh });
    expect(r.status).toBe(401);
    expect(r.json().fault.error[0].detail).toBe('Token expired');
    token = await accessToken(qbo);
  });

  test('a token used on another company is a 403 Fault 3100', async () => {
    const r = await query(qbo, 'SELECT COUNT(*) FROM Item', { token, realm: '1234567890' });
    expect(r.status).toBe(403);
    expect(r.json().Fault.Error[0].code).toBe('3100');
  });
});
