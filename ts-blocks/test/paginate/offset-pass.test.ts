import { RetriableError } from '../../src/core/errors';
import { dateFieldMapping, entityDefinition } from '../../src/entities';
import { countRange, readByOffsets, type OffsetPassOptions } from '../../src/paginate/offset-pass';
import type { ScannedPage } from '../../src/paginate/types';
import { FakeQbo } from './fake-qbo';

const T0 = Date.UTC(2024, 0, 1);
const T_END = T0 + 86_400_000;

function setup(rows: number) {
  const qbo = new FakeQbo();
  for (let i = 1; i <= rows; i += 1) qbo.add(String(i), T0 + i * 60_000);
  qbo.add('after', T_END + 1000);
  const def = entityDefinition('invoices');
  const pages: ScannedPage[] = [];
  const base = {
    client: qbo,
    entity: def,
    dateField: dateFieldMapping(def, 'last_updated'),
    windowStart: new Date(T0),
    windowEnd: new Date(T_END),
    pageSize: 10,
    metrics: { pages_read: 0, api_calls: 0, retries: 0, throttled: 0 },
  };
  const options = (counted: number, extra: Partial<OffsetPassOptions> = {}): OffsetPassOptions => ({
    ...base, counted, concurrency: 3, onPage: async (page) => void pages.push(page), ...extra,
  });
  return { qbo, pages, base, options };
}

const delivered = (pages: readonly ScannedPage[]) => pages.flatMap((p) => p.records.map((r) => r.Id)).sort((a, b) => Number(a) - Number(b));

describe('counted offset pass', () => {
  it('reads ceil(count / size) pages and settles when they return the counted records once each', async () => {
    const { qbo, pages, base, options } = setup(45);
    const counted = await countRange(base);
    expect(counted).toBe(45);
    const result = await readByOffsets(options(counted));
    expect(result).toEqual({ settled: true, returned: 45, pages: 5 });
    expect(delivered(pages)).toEqual(Array.from({ length: 45 }, (_, i) => String(i + 1)));
    expect(qbo.statements.filter((s) => s.startsWith('SELECT *'))).toHaveLength(5);
    expect(base.metrics.api_calls).toBe(6);
  });

  it('does not settle when a record leaves the range mid-pass (offsets slide back)', async () => {
    const { qbo, options } = setup(45);
    qbo.beforeQuery = (statement) => {
      if (statement.includes('STARTPOSITION 21 ')) qbo.touch('2', T_END + 5000);
    };
    const result = await readByOffsets(options(45, { concurrency: 1 }));
    expect(result).toMatchObject({ settled: false, returned: 44 });
  });

  it('reads nothing for an empty range', async () => {
    const { qbo, options } = setup(0);
    expect(await readByOffsets(options(0))).toEqual({ settled: true, returned: 0, pages: 0 });
    expect(qbo.statements).toHaveLength(0);
  });

  it('fails with the page error, after every lane has stopped, and delivers nothing afterwards', async () => {
    const { qbo, pages, options } = setup(45);
    qbo.failOn = (statement) => (statement.includes('STARTPOSITION 11 ') ? new RetriableError('boom 503', { code: 'QBO_SERVER_ERROR', status: 503 }) : undefined);
    await expect(readByOffsets(options(45))).rejects.toMatchObject({ code: 'QBO_SERVER_ERROR' });
    const seen = pages.length;
    const sent = qbo.statements.length;
    await new Promise((resolve) => setImmediate(resolve));
    expect(pages.length).toBe(seen);
    expect(qbo.statements.length).toBe(sent);
  });

  it('fails with the delivery error when a page cannot be spooled, and stops reading', async () => {
    const { qbo, options } = setup(95);
    const onPage = async () => {
      throw new Error('disk full');
    };
    await expect(readByOffsets(options(95, { concurrency: 1, onPage }))).rejects.toThrow('disk full');
    expect(qbo.statements.length).toBeLessThan(10);
  });
});
