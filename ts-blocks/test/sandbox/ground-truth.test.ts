/** The generator and the ground-truth admin route: deterministic, realistic, consistent with the API. */
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { accessToken, admin, queryAll } from './client';

let qbo: SandboxHandle;

beforeAll(async () => {
  qbo = await startSandbox({ seed: 11, customers: 120, items: 40, invoices: 1500 });
});
afterAll(() => qbo.close());

const ndjson = (text: string): any[] => text.trim().split('\n').map((l) => JSON.parse(l));

test('the ground-truth route streams every existing record as NDJSON, inactive included, in Id order', async () => {
  for (const entity of ['Invoice', 'Customer', 'Item'] as const) {
    const r = await admin(qbo, `ground-truth/${entity}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/ndjson/);
    const expected = [...qbo.groundTruth(entity)].map((x) => JSON.stringify(x)).join('\n');
    expect(r.text).toBe(`${expected}\n`);
    const rows = ndjson(r.text);
    const numericIds = rows.map((x) => Number(x.Id));
    expect(numericIds).toEqual([...numericIds].sort((a, b) => a - b));
  }
  expect((await admin(qbo, 'ground-truth/Vendor')).status).toBe(404);
});

test('the same seed gives the same company; another seed a different one', async () => {
  const same = await startSandbox({ seed: 11, customers: 120, items: 40, invoices: 1500 });
  const other = await startSandbox({ seed: 12, customers: 120, items: 40, invoices: 1500 });
  try {
    const text = (h: SandboxHandle, e: 'Invoice' | 'Customer' | 'Item'): string => JSON.stringify([...h.groundTruth(e)]);
    for (const e of ['Invoice', 'Customer', 'Item'] as const) expect(text(same, e) === text(qbo, e)).toBe(true);
    expect(text(other, 'Customer') === text(qbo, 'Customer')).toBe(false);
  } finally {
    await same.close();
    await other.close();
  }
});

test('the API with Active IN (true,false) returns exactly the ground truth', async () => {
  const token = await accessToken(qbo);
  const viaApi = await queryAll(qbo, 'SELECT * FROM Customer WHERE Active IN (true, false) ORDERBY Id', token);
  expect(viaApi).toEqual([...qbo.groundTruth('Customer')]);
});

describe('a realistic company', () => {
  const customers = (): any[] => [...qbo.groundTruth('Customer')];
  const invoices = (): any[] => [...qbo.groundTruth('Invoice')];

  test('names are international, some customers are jobs of a parent', () => {
    const cs = customers();
    expect(cs.some((c) => /[^\x00-\x7F]/.test(c.DisplayName))).toBe(true);
    const jobs = cs.filter((c) => c.Job);
    expect(jobs.length).toBeGreaterThan(5);
    const byId = new Map(cs.map((c) => [c.Id, c]));
    for (const j of jobs) {
      const parent = byId.get(j.ParentRef.value);
      expect(parent).toBeDefined();
      expect(j.FullyQualifiedName.startsWith(`${parent.FullyQualifiedName.replace(/ \(deleted\)$/, '')}:`)).toBe(true);
    }
    expect(new Set(cs.map((c) => c.DisplayName)).size).toBe(cs.length);
  });

  test('invoices reference existing customers and items, with 1 to hundreds of lines', () => {
    const customerIds = new Set(customers().map((c) => c.Id));
    const itemIds = new Set([...qbo.groundTruth('Item')].map((i) => i.Id));
    const lineCounts: number[] = [];
    const problems: string[] = [];
    for (const inv of invoices()) {
      if (!customerIds.has(inv.CustomerRef.value)) problems.push(`${inv.Id}: customer ${inv.CustomerRef.value}`);
      const sales = inv.Line.filter((l: any) => l.DetailType === 'SalesItemLineDetail');
      for (const l of sales) {
        if (!itemIds.has(l.SalesItemLineDetail.ItemRef.value)) problems.push(`${inv.Id}: item ${l.SalesItemLineDetail.ItemRef.value}`);
      }
      const sum = sales.reduce((s: number, l: any) => s + Math.round(l.Amount * 100), 0);
      if (Math.round(inv.TotalAmt * 100) !== sum + Math.round(inv.TxnTaxDetail.TotalTax * 100)) problems.push(`${inv.Id}: total`);
      lineCounts.push(sales.length);
    }
    expect(problems).toEqual([]);
    expect(Math.min(...lineCounts)).toBe(1);
    expect(Math.max(...lineCounts)).toBeGreaterThanOrEqual(50);
  });

  test('activity spans years, weekends are quiet, some updates come long after creation', () => {
    const inv = invoices();
    const years = new Set(inv.map((i) => i.TxnDate.slice(0, 4)));
    expect(years.size).toBeGreaterThanOrEqual(4);
    const weekday = (d: string): number => new Date(`${d}T12:00:00Z`).getUTCDay();
    const weekend = inv.filter((i) => [0, 6].includes(weekday(i.MetaData.CreateTime.slice(0, 10)))).length;
    expect(weekend / inv.length).toBeLessThan(0.1);
    const late = inv.filter((i) => Date.parse(i.MetaData.LastUpdatedTime) - Date.parse(i.MetaData.CreateTime) > 90 * 86400_000);
    expect(late.length).toBeGreaterThan(0);
    const backwards = inv.filter((i) => Date.parse(i.MetaData.LastUpdatedTime) < Date.parse(i.MetaData.CreateTime));
    expect(backwards).toEqual([]);
  });
});
