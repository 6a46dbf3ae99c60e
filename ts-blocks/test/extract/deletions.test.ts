/** detectDeletions with a scripted QBO: what it asks, in how many requests, and what it records as confirmed. */
import { invoices } from '../../src/entities/invoices';
import { customers } from '../../src/entities/customers';
import { CDC_HORIZON_MS, detectDeletions, LOOKUP_BATCH, type DeletionScope } from '../../src/extract/deletions';
import { emptyCallMetrics } from '../../src/http/call-context';
import type { QboClient } from '../../src/http/qbo-client';
import type { ConfirmedDeletion, SourceDeletions } from '../../src/ledger/source-deletions';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const DAY = 86_400_000;
const clock = { now: () => NOW, sleep: async () => undefined };

function scripted(cdcAnswers: Array<Array<Record<string, unknown>>>, existing: ReadonlySet<string>) {
  const cdcAsked: string[] = [];
  const queries: string[] = [];
  const client: QboClient = {
    realmId: 'r1',
    requestPayload: (query) => ({ method: 'POST', path: '/q', params: { minorversion: 75 }, query }),
    getCdc: async (_entity, since, options) => {
      if (options?.metrics) options.metrics.api_calls += 1;
      cdcAsked.push(since);
      const objects = cdcAnswers.shift() ?? [];
      return { CDCResponse: [{ QueryResponse: [objects.length ? { Invoice: objects } : {}] }] };
    },
    postQuery: async (statement, options) => {
      if (options?.metrics) options.metrics.api_calls += 1;
      queries.push(statement);
      const ids = [...statement.matchAll(/'([^']+)'/g)].map((m) => m[1]!).filter((id) => existing.has(id));
      return { QueryResponse: ids.length ? { Invoice: ids.map((Id) => ({ Id })) } : {} };
    },
  };
  return { client, cdcAsked, queries };
}

function memoryStore(live: string[]): SourceDeletions & { recorded: ConfirmedDeletion[] } {
  const store = {
    recorded: [] as ConfirmedDeletion[],
    liveIds: async () => live,
    record: async (_run: string, d: readonly ConfirmedDeletion[]) => {
      store.recorded = [...d];
    },
  };
  return store;
}

const scope = (from: Date, to: Date, entity = invoices): DeletionScope => ({ runId: 'run-1', entity, realmId: 'r1', dateField: 'last_updated', from, to });
const deleted = (id: string, at: string) => ({ domain: 'QBO', status: 'Deleted', Id: id, MetaData: { LastUpdatedTime: at } });

describe('detectDeletions', () => {
  it('asks CDC once from the later of the range start and the horizon, and records what it reports deleted with QBO\'s time', async () => {
    const qbo = scripted([[deleted('7', '2026-12-05T10:00:00-08:00'), { Id: '8', MetaData: { LastUpdatedTime: '2026-12-05T11:00:00-08:00' } }]], new Set());
    const store = memoryStore([]);
    const metrics = emptyCallMetrics();
    const out = await detectDeletions({ client: qbo.client, store, clock }, scope(new Date(NOW - 400 * DAY), new Date(NOW + DAY)), new Set(), metrics);
    expect(qbo.cdcAsked).toEqual([new Date(Math.ceil((NOW - CDC_HORIZON_MS) / 1000) * 1000).toISOString().replace('.000Z', '+00:00')]);
    expect(store.recorded).toEqual([{ id: '7', deletedAt: new Date('2026-12-05T18:00:00Z'), detectedBy: 'cdc' }]);
    expect(out).toMatchObject({ confirmed: 1, cdc_requests: 1, lookup_requests: 0, looked_up: 0 });
    expect(metrics.api_calls).toBe(1);
  });

  it('sends no CDC request for a range that ends before the horizon; looks up only the live ids the run did not return', async () => {
    const live = Array.from({ length: LOOKUP_BATCH + 10 }, (_, i) => String(i + 1));
    const seen = new Set(live.slice(0, 5));
    const qbo = scripted([], new Set(live.filter((id) => id !== '9' && id !== '600')));
    const store = memoryStore(live);
    const out = await detectDeletions({ client: qbo.client, store, clock }, scope(new Date(NOW - 400 * DAY), new Date(NOW - 40 * DAY)), seen);
    expect(qbo.cdcAsked).toEqual([]);
    expect(qbo.queries).toHaveLength(2);
    expect(qbo.queries[0]).toMatch(/^SELECT \* FROM Invoice WHERE Id IN \('6', '7', .*\) MAXRESULTS 1000$/);
    expect(store.recorded.map((d) => [d.id, d.detectedBy, d.deletedAt.getTime()])).toEqual([['9', 'lookup', NOW]]);
    expect(out).toMatchObject({ confirmed: 1, cdc_requests: 0, lookup_requests: 2, looked_up: live.length - 5 });
  });

  it('asks CDC again from the latest object only when QBO cut the answer at 1000 objects', async () => {
    const full = Array.from({ length: 1000 }, (_, i) => ({ Id: String(i + 1), MetaData: { LastUpdatedTime: '2026-12-01T00:00:00-08:00' } }));
    full[999] = deleted('1000', '2026-12-02T00:00:00-08:00');
    const qbo = scripted([full, [deleted('2000', '2026-12-03T00:00:00-08:00')]], new Set());
    const store = memoryStore([]);
    await detectDeletions({ client: qbo.client, store, clock }, scope(new Date(NOW - 10 * DAY), new Date(NOW)), undefined);
    expect(qbo.cdcAsked).toEqual(['2026-11-26T12:00:00+00:00', '2026-12-02T08:00:00+00:00']);
    expect(store.recorded.map((d) => d.id)).toEqual(['1000', '2000']);
  });

  it('never asks anything for customers or items: QBO does not delete them', async () => {
    const qbo = scripted([[deleted('1', '2026-12-05T10:00:00-08:00')]], new Set());
    const store = memoryStore(['1', '2']);
    const out = await detectDeletions({ client: qbo.client, store, clock }, scope(new Date(NOW - 10 * DAY), new Date(NOW), customers), new Set());
    expect([qbo.cdcAsked, qbo.queries, store.recorded]).toEqual([[], [], []]);
    expect(out.confirmed).toBe(0);
  });
});
