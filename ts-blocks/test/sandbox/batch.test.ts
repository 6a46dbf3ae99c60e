/** POST /batch: queries and writes in one request, answered per bId, limited as QBO limits batches. */
import { BATCH_REQUESTS_PER_MIN, MAX_BATCH_ITEMS, startSandbox, type SandboxHandle } from '../../src/sandbox';
import { accessToken, query } from './client';

let now = Date.parse('2026-04-10T17:00:00Z');
let qbo: SandboxHandle;
let token: string;

beforeEach(async () => {
  now = Date.parse('2026-04-10T17:00:00Z');
  qbo = await startSandbox({ seed: 8, customers: 40, items: 20, invoices: 400, now: () => now });
  token = await accessToken(qbo);
});
afterEach(() => qbo.close());

async function batch(body: unknown, o: { json?: boolean; requestId?: string } = {}): Promise<{ status: number; text: string; json: () => any }> {
  const params = new URLSearchParams({ minorversion: '75', ...(o.requestId ? { requestid: o.requestId } : {}) });
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  if (o.json ?? true) headers.Accept = 'application/json';
  const res = await fetch(`${qbo.baseUrl}/v3/company/${qbo.realmId}/batch?${params}`, {
    method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

const gt = (entity: 'Invoice' | 'Customer' | 'Item'): any[] => [...qbo.groundTruth(entity)];
const queries = (n: number): any[] => Array.from({ length: n }, (_, k) => ({ bId: `q${k}`, Query: 'SELECT COUNT(*) FROM Item' }));

test('query items answer exactly what the single query answers, per bId and in order (the tap-quickbooks form)', async () => {
  const since = '2024-01-01T00:00:00-08:00';
  const sql = (e: string, extra = ''): string =>
    `SELECT * FROM ${e} WHERE Metadata.LastUpdatedTime >= '${since}'${extra} ORDER BY Metadata.LastUpdatedTime ASC STARTPOSITION 1 MAXRESULTS 1000`;
  const items = [
    { bId: 'Invoice', Query: sql('Invoice') },
    { bId: 'Customer', Query: sql('Customer', ' AND Active IN (true, false)') },
    { bId: 'Item', Query: sql('Item', ' AND Active IN (true, false)') },
    { bId: 'count', Query: 'SELECT COUNT(*) FROM Invoice' },
    { bId: 'empty', Query: "SELECT * FROM Invoice WHERE Id = '1'" },
  ];
  const r = await batch({ BatchItemRequest: items });
  expect(r.status).toBe(200);
  const answer = r.json();
  expect(answer.time).toBe('2026-04-10T10:00:00.000-07:00');
  expect(answer.BatchItemResponse.map((a: any) => a.bId)).toEqual(items.map((i) => i.bId));
  for (const [k, item] of items.entries()) {
    const single = await query(qbo, item.Query, { token });
    expect(JSON.stringify(answer.BatchItemResponse[k].QueryResponse)).toBe(JSON.stringify(single.json().QueryResponse));
  }
  expect(answer.BatchItemResponse[0].QueryResponse.Invoice.length).toBeGreaterThan(10);
  expect(qbo.stats().rowsServed).toBeGreaterThan(0);
});

test('write items run in order; a refused item gets its own Fault and the others are applied', async () => {
  const customer = gt('Customer').find((c) => c.Active);
  const invoice = gt('Invoice')[3];
  const item = gt('Item').find((i) => i.Active && i.Type !== 'Category');
  const r = await batch({
    BatchItemRequest: [
      { bId: 'new', operation: 'create', Customer: { DisplayName: 'Batch Made' } },
      { bId: 'dup', operation: 'create', Customer: { DisplayName: 'Batch Made' } },
      { bId: 'upd', operation: 'update', Item: { Id: item.Id, SyncToken: item.SyncToken, sparse: true, Description: 'via batch' } },
      { bId: 'stale', operation: 'update', Customer: { Id: customer.Id, SyncToken: '999', sparse: true, Notes: 'x' } },
      { bId: 'del', operation: 'delete', Invoice: { Id: invoice.Id, SyncToken: invoice.SyncToken } },
      { bId: 'inv', operation: 'create', Invoice: { Line: [] } },
      { bId: 'odd', Vendor: { DisplayName: 'v' }, operation: 'create' },
      { operation: 'create', Customer: { DisplayName: 'No bId' } },
    ],
  });
  expect(r.status).toBe(200);
  const [created, dup, upd, stale, del, inv, odd, nobid] = r.json().BatchItemResponse;
  expect(created).toMatchObject({ bId: 'new', Customer: { DisplayName: 'Batch Made', SyncToken: '0' } });
  expect(dup).toEqual({ bId: 'dup', Fault: { type: 'ValidationFault', Error: [expect.objectContaining({ code: '6240', Message: 'Duplicate Name Exists Error' })] } });
  expect(upd).toMatchObject({ bId: 'upd', Item: { Id: item.Id, Description: 'via batch', SyncToken: String(Number(item.SyncToken) + 1) } });
  expect(stale.Fault.Error[0]).toMatchObject({ code: '5010', Message: 'Stale Object Error' });
  expect(del).toEqual({ bId: 'del', Invoice: { status: 'Deleted', domain: 'QBO', Id: invoice.Id } });
  expect(inv.Fault.Error[0]).toMatchObject({ code: '2020', Detail: 'Required parameter CustomerRef is missing in the request' });
  expect(odd.Fault.Error[0].code).toBe('2010');
  expect(nobid).toEqual({ Fault: expect.objectContaining({ Error: [expect.objectContaining({ code: '2010', Detail: expect.stringContaining('bId') })] }) });
  expect(gt('Customer').filter((c) => c.DisplayName === 'Batch Made')).toHaveLength(1);
  expect(gt('Invoice').some((i) => i.Id === invoice.Id)).toBe(false);
  expect(gt('Customer').find((c) => c.Id === customer.Id)).toEqual(customer);
});

test(`at most ${MAX_BATCH_ITEMS} items: one more refuses the whole batch and applies nothing`, async () => {
  expect(MAX_BATCH_ITEMS).toBe(30);
  expect((await batch({ BatchItemRequest: queries(30) })).status).toBe(200);
  const items = [...queries(30), { bId: 'w', operation: 'create', Customer: { DisplayName: 'Too Many' } }];
  const r = await batch({ BatchItemRequest: items });
  expect(r.status).toBe(400);
  expect(r.json().Fault.Error[0]).toMatchObject({ code: '6000', Detail: expect.stringContaining('at most 30 BatchItemRequests; this one has 31') });
  expect(gt('Customer').some((c) => c.DisplayName === 'Too Many')).toBe(false);
});

test(`${BATCH_REQUESTS_PER_MIN} batch requests a minute per realm; the next is 429 until the minute rolls`, async () => {
  expect(BATCH_REQUESTS_PER_MIN).toBe(40);
  for (let k = 0; k < 40; k++) expect((await batch({ BatchItemRequest: queries(1) })).status).toBe(200);
  const over = await batch({ BatchItemRequest: queries(1) });
  expect(over.status).toBe(429);
  expect((await query(qbo, 'SELECT COUNT(*) FROM Item', { token })).status).toBe(200);
  now += 60_001;
  expect((await batch({ BatchItemRequest: queries(1) })).status).toBe(200);
  expect(qbo.stats().byEndpoint.batch).toBe(42);
});

test('each item is metered like a request toward the per-minute limit', async () => {
  qbo.setFaults({ rateLimitPerMin: 40 });
  expect((await batch({ BatchItemRequest: queries(30) })).status).toBe(200);
  expect((await batch({ BatchItemRequest: queries(11) })).status).toBe(429);
  expect((await batch({ BatchItemRequest: queries(10) })).status).toBe(200);
  expect((await query(qbo, 'SELECT COUNT(*) FROM Item', { token })).status).toBe(429);
});

test('a body that is not a batch is refused with a Fault that says what is expected', async () => {
  const notJson = await batch('{"BatchItemRequest": [');
  expect(notJson.status).toBe(400);
  expect(notJson.json().Fault.Error[0]).toMatchObject({ code: '2010', Detail: expect.stringContaining('not JSON') });
  const wrong = await batch({ Items: [] });
  expect(wrong.json().Fault.Error[0].Detail).toContain('{"BatchItemRequest": [ … ]}');
});

test('an injected fault fails the whole batch before any item runs; requestid makes a batch run once', async () => {
  qbo.setFaults({ script: [{ request: 1, fault: '500' }] });
  const body = { BatchItemRequest: [{ bId: '1', operation: 'create', Customer: { DisplayName: 'Once' } }] };
  expect((await batch(body)).status).toBe(500);
  expect(gt('Customer').some((c) => c.DisplayName === 'Once')).toBe(false);
  const first = await batch(body, { requestId: 'b-1' });
  const again = await batch(body, { requestId: 'b-1' });
  expect(again.text).toBe(first.text);
  expect(gt('Customer').filter((c) => c.DisplayName === 'Once')).toHaveLength(1);
});

test('without Accept: application/json the batch answer is XML', async () => {
  const r = await batch({ BatchItemRequest: [{ bId: 'c', Query: 'SELECT COUNT(*) FROM Item' }, { bId: 'x', operation: 'create', Customer: {} }] }, { json: false });
  expect(r.status).toBe(200);
  const total = (await query(qbo, 'SELECT COUNT(*) FROM Item', { token })).json().QueryResponse.totalCount;
  expect(r.text).toContain(`<BatchItemResponse bId="c"><QueryResponse totalCount="${total}"/></BatchItemResponse>`);
  expect(r.text).toContain('<BatchItemResponse bId="x"><Fault type="ValidationFault"><Error code="2020"><Message>');
});
