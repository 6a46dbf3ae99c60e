/**
 * python-quickbooks 0.9.12 with intuit-oauth 1.2.6, unchanged, against the sandbox: only the hosts differ from a
 * production setup (AuthClient's environment = the sandbox's discovery URL, QuickBooks.api_url_v3 = its API base).
 */
import { join } from 'node:path';
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { withoutClientDefaults } from './compare';
import { clientVenv, CLIENTS_DIR, jsonOutput, LOOPBACK_HTTP_ENV, pythonTest, type ClientVenv } from './python';

const pyTest = pythonTest();
const PAGE = 100;
let qbo: SandboxHandle;

beforeAll(async () => {
  qbo = await startSandbox({ seed: 21, customers: 250, items: 120, invoices: 450 });
});
afterAll(() => qbo.close());

type Entity = 'Invoice' | 'Customer' | 'Item';
const truth = (entity: Entity): any[] => [...qbo.groundTruth(entity)];

async function runClient(command: string, extra: Record<string, unknown> = {}): Promise<any> {
  const venv = clientVenv() as ClientVenv;
  const settings = {
    command, discovery: qbo.discoveryUrl, api: `${qbo.baseUrl}/v3`, clientId: qbo.clientId, clientSecret: qbo.clientSecret,
    refreshToken: qbo.refreshToken, realmId: qbo.realmId, pageSize: PAGE, ...extra,
  };
  const r = await venv.run('python', [join(CLIENTS_DIR, 'python_quickbooks_client.py')], JSON.stringify(settings), LOOPBACK_HTTP_ENV);
  return jsonOutput(`python_quickbooks_client.py ${command}`, r);
}

function expectSameRecords(got: any[], expected: any[], defaults: Record<string, unknown>): void {
  expect(got.map((r) => r.Id)).toEqual(expected.map((r) => r.Id));
  got.forEach((r, i) => expect(withoutClientDefaults(r, expected[i], defaults)).toEqual(expected[i]));
}

pyTest('.all() pages every entity, 100 at a time, and reads exactly the sandbox records (names: active ones)', async () => {
  const before = qbo.stats().byEndpoint.query;
  const out = await runClient('read');
  expect(out.rotatedRefreshToken).toBe(true);
  for (const entity of ['Customer', 'Item', 'Invoice'] as const) {
    const expected = truth(entity).filter((r) => entity === 'Invoice' || r.Active);
    const got = out.entities[entity];
    expectSameRecords(got.rows, expected, out.defaults[entity]);
    expect({ entity, calls: got.calls }).toEqual({ entity, calls: Math.floor(expected.length / PAGE) + 1 });
    if (entity !== 'Invoice') expectSameRecords(got.inactive, truth(entity).filter((r) => !r.Active), out.defaults[entity]);
  }
  expect(out.itemCount).toBe(truth('Item').filter((r) => r.Active).length);
  const pages = (n: number): number => Math.floor(n / PAGE) + 1;
  const activeNames = truth('Customer').filter((r) => r.Active).length;
  const activeItems = truth('Item').filter((r) => r.Active).length;
  expect(qbo.stats().byEndpoint.query - before).toBe(pages(activeNames) + pages(activeItems) + pages(450) + 2);
}, 120_000);

pyTest('Invoice.save() creates an invoice the sandbox stores as the library read it back; delete() removes it', async () => {
  const customer = truth('Customer').find((c) => c.Active);
  const item = truth('Item').find((i) => i.Active);
  const description = 'Ünïcode line — "quoted" \\ backslash \u0000 nul';
  const { created, fetched, defaults } = await runClient('create', { customerId: customer.Id, itemId: item.Id, description });
  const stored = truth('Invoice').find((r) => r.Id === created.Id);
  expect(stored).toMatchObject({ SyncToken: '0', CustomerRef: { value: customer.Id } });
  // the library sends "TxnDate": "" and "DueDate": "": QBO then dates the invoice today (company time), Net 30
  expect(stored.TxnDate).toBe(stored.MetaData.CreateTime.slice(0, 10));
  expect(Date.parse(stored.DueDate) - Date.parse(stored.TxnDate)).toBe(30 * 86_400_000);
  expect(stored.Line[0]).toMatchObject({ Amount: 42.5, Description: description, SalesItemLineDetail: { ItemRef: { value: item.Id }, Qty: 5, UnitPrice: 8.5 } });
  expect(withoutClientDefaults(created, stored, defaults)).toEqual(stored);
  expect(withoutClientDefaults(fetched, stored, defaults)).toEqual(stored);
  const { deleted } = await runClient('delete', { invoiceId: created.Id });
  expect(deleted.Invoice).toMatchObject({ status: 'Deleted', Id: created.Id });
  expect(truth('Invoice').find((r) => r.Id === created.Id)).toBeUndefined();
  expect(truth('Invoice')).toHaveLength(450);
}, 120_000);
