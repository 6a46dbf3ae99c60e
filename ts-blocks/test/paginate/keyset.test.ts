import { isRetriableError, RetriableError } from '../../src/core/errors';
import { dateFieldMapping, entityDefinition } from '../../src/entities';
import { recordsOf, scanWindow } from '../../src/paginate/keyset';
import type { ScanMetrics, WindowScanOptions } from '../../src/paginate/types';
import { FakeQbo } from './fake-qbo';

const T0 = Date.UTC(2024, 0, 1);
const HOUR = 3600_000;
const T_END = T0 + 24 * HOUR;

function options(qbo: FakeQbo, pageSize: number, entity: 'invoices' | 'customers' = 'invoices', field: 'last_updated' | 'txn_date' = 'last_updated'): WindowScanOptions & { metrics: ScanMetrics } {
  const def = entityDefinition(entity);
  return {
    client: qbo,
    entity: def,
    dateField: dateFieldMapping(def, field),
    windowStart: new Date(T0),
    windowEnd: new Date(T_END),
    pageSize,
    metrics: { pages_read: 0, api_calls: 0, retries: 0, throttled: 0 },
  };
}

async function ids(iterable: AsyncIterable<{ Id: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const r of iterable) out.push(r.Id);
  return out;
}

describe('keyset pagination', () => {
  it('reads every record of the window once, in order, and nothing outside it', async () => {
    const qbo = new FakeQbo();
    for (let i = 1; i <= 25; i += 1) qbo.add(String(i), T0 + i * 60_000);
    qbo.add('before', T0 - 1000);
    qbo.add('at-end', T_END);
    const o = options(qbo, 10);
    const got = await ids(recordsOf(scanWindow(o)));
    expect(got).toEqual(Array.from({ length: 25 }, (_, i) => String(i + 1)));
    expect(o.metrics.pages_read).toBe(3);
    expect(qbo.statements[1]).toContain(">= '2024-01-01T00:10:00+00:00'");
  });

  it('stops on an empty first page', async () => {
    const o = options(new FakeQbo(), 10);
    expect(await ids(recordsOf(scanWindow(o)))).toEqual([]);
    expect(o.metrics.pages_read).toBe(1);
  });

  it('loses and duplicates nothing when records are updated mid-scan', async () => {
    const qbo = new FakeQbo();
    for (let i = 1; i <= 50; i += 1) qbo.add(String(i), T0 + i * 60_000);
    // After the first page, records already read and records not yet read are updated: they move to "now".
    let now = T0 + 12 * HOUR;
    qbo.beforeQuery = (_s, n) => {
      if (n === 2) ['3', '30', '31'].forEach((id) => qbo.touch(id, (now += 1000)));
      if (n === 4) ['45', '5'].forEach((id) => qbo.touch(id, (now += 1000)));
    };
    const got = await ids(recordsOf(scanWindow(options(qbo, 10))));
    expect(new Set(got)).toEqual(new Set(qbo.records.keys()));
    const repeated = got.filter((id, i) => got.indexOf(id) !== i);
    // Records read before their update come again in their newer version; nobody else repeats.
    expect(repeated.sort()).toEqual(['3', '5']);
  });

  it('reads a value shared by a full page of records in one 1000-row page, without looping', async () => {
    const qbo = new FakeQbo();
    qbo.add('1', T0 + 1000);
    for (let i = 2; i <= 26; i += 1) qbo.add(String(i), T0 + 5000);
    qbo.add('27', T0 + 9000);
    const o = options(qbo, 10);
    const got = await ids(recordsOf(scanWindow(o)));
    expect(got.sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 27 }, (_, i) => String(i + 1)));
    expect(qbo.statements).toEqual([
      expect.stringContaining(">= '2024-01-01T00:00:00+00:00' AND MetaData.LastUpdatedTime < '2024-01-02T00:00:00+00:00' ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 10"),
      expect.stringContaining(">= '2024-01-01T00:00:05+00:00' AND MetaData.LastUpdatedTime < '2024-01-02T00:00:00+00:00' ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 10"),
      expect.stringContaining(">= '2024-01-01T00:00:05+00:00' AND MetaData.LastUpdatedTime < '2024-01-02T00:00:00+00:00' ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 1000"),
    ]);
  });

  it('reads more than 1000 records sharing one value by offset, re-reading when one leaves mid-pass', async () => {
    const qbo = new FakeQbo();
    for (let i = 1; i <= 2100; i += 1) qbo.add(String(i), T0 + 5000);
    qbo.beforeQuery = (statement) => {
      // During the first counted pass, a read record leaves the value: offsets shift and record 1001 is skipped.
      const counted = qbo.statements.filter((s) => s.startsWith('SELECT COUNT(*)')).length === 1;
      if (counted && statement.includes('STARTPOSITION 1001') && qbo.records.get('2')!.SyncToken === '0') qbo.touch('2', T0 + 20 * HOUR);
    };
    const got = await ids(recordsOf(scanWindow(options(qbo, 500))));
    expect(new Set(got)).toEqual(new Set(qbo.records.keys()));
    expect(got.filter((id) => id !== '2')).toHaveLength(2099);
    expect(qbo.statements.filter((s) => s.startsWith('SELECT COUNT(*)'))).toHaveLength(4);
  });

  it('delivers a record again when it is updated twice within the cursor second', async () => {
    const qbo = new FakeQbo();
    for (let i = 1; i <= 10; i += 1) qbo.add(String(i), T0 + i * 1000);
    qbo.add('11', T0 + 10_000);
    qbo.beforeQuery = (_s, n) => {
      if (n === 2) qbo.touch('10', T0 + 10_000); // same second as the cursor, newer SyncToken
    };
    const got: Array<[string, string | undefined]> = [];
    for await (const r of recordsOf(scanWindow(options(qbo, 10)))) got.push([r.Id, r.SyncToken]);
    expect(got.filter(([id]) => id === '10')).toEqual([
      ['10', '0'],
      ['10', '1'],
    ]);
    expect(got.filter(([id]) => id === '11')).toHaveLength(1);
  });

  it('pages TxnDate windows by date', async () => {
    const qbo = new FakeQbo();
    for (let i = 1; i <= 15; i += 1) qbo.add(String(i), T0, { TxnDate: i <= 12 ? '2024-01-01' : '2024-01-02' });
    const o = { ...options(qbo, 5, 'invoices', 'txn_date'), windowEnd: new Date(T0 + 2 * 24 * HOUR) };
    const got = await ids(recordsOf(scanWindow(o)));
    expect(got.sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 15 }, (_, i) => String(i + 1)));
    expect(qbo.statements[0]).toContain("TxnDate >= '2024-01-01' AND TxnDate < '2024-01-03' ORDERBY TxnDate");
  });

  it('includes inactive customers', async () => {
    const qbo = new FakeQbo('Customer');
    qbo.add('1', T0 + 1000, { Active: true });
    qbo.add('2', T0 + 2000, { Active: false });
    expect(await ids(recordsOf(scanWindow(options(qbo, 10, 'customers'))))).toEqual(['1', '2']);
  });

  it('never reads an error as the end of the data', async () => {
    const qbo = new FakeQbo();
    for (let i = 1; i <= 30; i += 1) qbo.add(String(i), T0 + i * 1000);
    qbo.failOn = (_s, n) => (n === 2 ? new RetriableError('QBO query failed with status 503', { code: 'QBO_SERVER_ERROR', status: 503 }) : undefined);
    const got: string[] = [];
    let error: unknown;
    try {
      for await (const r of recordsOf(scanWindow(options(qbo, 10)))) got.push(r.Id);
    } catch (e) {
      error = e;
    }
    expect(isRetriableError(error)).toBe(true);
    expect(got).toHaveLength(10);
  });

  it('rejects a page that breaks the requested order', async () => {
    const qbo = new FakeQbo();
    qbo.add('1', T0 + 1000);
    qbo.postQuery = async () => ({ QueryResponse: { Invoice: [{ Id: '9', MetaData: { LastUpdatedTime: '2023-12-01T00:00:00-08:00' } }] } });
    await expect(ids(recordsOf(scanWindow(options(qbo, 10))))).rejects.toThrow(/out of the requested order or range/);
  });
});
