/** A sandbox that renders its records ahead (benchmarks) answers exactly what one rendering on demand answers. */
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { Company } from '../../src/sandbox/generator/company';
import { executeQuery } from '../../src/sandbox/query/evaluate';
import { parseQuery } from '../../src/sandbox/query/parser';
import { queryReply, queryResponseJson } from '../../src/sandbox/replies';
import { accessToken, query } from './client';

const SPEC = { seed: 11, customers: 40, items: 15, invoices: 300, now: () => Date.parse('2026-03-01T12:00:00Z') };
let onDemand: SandboxHandle;
let ahead: SandboxHandle;
let tokens: [string, string];

beforeAll(async () => {
  onDemand = await startSandbox(SPEC);
  ahead = await startSandbox({ ...SPEC, prerender: true });
  tokens = [await accessToken(onDemand), await accessToken(ahead)];
});
afterAll(async () => {
  await onDemand.close();
  await ahead.close();
});

const page = async (qbo: SandboxHandle, token: string, sql: string, json = true) => {
  const r = await query(qbo, sql, { token, json });
  return r.text.replace(/"time":"[^"]*"|time="[^"]*"/, 'time');
};

describe('records rendered ahead', () => {
  test.each([
    'SELECT * FROM Invoice ORDERBY Id STARTPOSITION 1 MAXRESULTS 100',
    'SELECT * FROM Customer STARTPOSITION 11 MAXRESULTS 20',
    "SELECT * FROM Item WHERE Active IN (true, false) MAXRESULTS 1000",
    "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2030-01-01T00:00:00-08:00'",
  ])('give byte-identical JSON pages: %s', async (sql) => {
    const expected = await page(onDemand, tokens[0], sql);
    expect(JSON.parse(expected.replace('time', '"time":"x"'))).toHaveProperty('QueryResponse');
    expect(await page(ahead, tokens[1], sql)).toBe(expected);
  });

  test('give the same XML pages', async () => {
    const sql = 'SELECT * FROM Customer ORDERBY Id MAXRESULTS 5';
    expect(await page(ahead, tokens[1], sql, false)).toBe(await page(onDemand, tokens[0], sql, false));
  });

  test('are dropped when the company changes: a changed record is served in its new version at once', async () => {
    const sql = 'SELECT * FROM Invoice ORDERBY Id MAXRESULTS 1000';
    const before = JSON.parse((await query(ahead, sql, { token: tokens[1] })).text).QueryResponse.Invoice as Array<{ Id: string; SyncToken: string }>;
    const changed = ahead.mutate({ entity: 'Invoice', id: before[0]!.Id, op: 'update' });
    onDemand.mutate({ entity: 'Invoice', id: before[0]!.Id, op: 'update' });
    const after = JSON.parse((await query(ahead, sql, { token: tokens[1] })).text).QueryResponse.Invoice as Array<{ Id: string; SyncToken: string }>;
    expect(after.find((r) => r.Id === changed.id)?.SyncToken).toBe(changed.syncToken);
    expect(await page(ahead, tokens[1], sql)).toBe(await page(onDemand, tokens[0], sql));
  });

  test('a JSON page is assembled from the records\' bytes into exactly the text JSON.stringify would give', () => {
    const company = new Company({ seed: 5, customers: 30, items: 10, invoices: 200, historyStart: '2021-01-01T00:00:00Z',
      historyEnd: '2026-01-01T00:00:00Z', companyTimeZone: 'America/Los_Angeles' });
    const time = '2026-03-01T04:00:00.000-08:00';
    for (const rendered of [false, true]) {
      if (rendered) company.prerender();
      for (const sql of ['SELECT * FROM Customer ORDERBY Id MAXRESULTS 30', 'SELECT COUNT(*) FROM Invoice', 'SELECT * FROM Item STARTPOSITION 500']) {
        const result = executeQuery(company, parseQuery(sql), 'America/Los_Angeles');
        const reply = queryReply(result, company, time, true);
        const text = Buffer.isBuffer(reply.body) ? reply.body.toString('utf8') : reply.body;
        // Built independently of the reply's code: JSON.stringify of the page's objects.
        const response = result.count ? { totalCount: result.total } : result.indexes.length === 0 ? {} : {
          [result.entity]: result.indexes.map((i) => company.payload(result.entity, i)),
          startPosition: result.startPosition, maxResults: result.indexes.length,
        };
        expect(text).toBe(JSON.stringify({ QueryResponse: response, time }));
        // A batch answer embeds the same object as text.
        expect(queryResponseJson(result, company)).toBe(JSON.stringify(response));
        expect(JSON.parse(text).time).toBe(time);
      }
    }
    // The company's names are international: the bytes are UTF-8, not Latin-1.
    const page = queryReply(executeQuery(company, parseQuery('SELECT * FROM Customer MAXRESULTS 30'), 'UTC'), company, time, true).body;
    expect(Buffer.isBuffer(page) && page.length > page.toString('utf8').length).toBe(true);
  });
});
