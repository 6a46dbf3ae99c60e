import { buildCount, buildSelect, windowConditions } from '../../src/query/builder';
import { instantLiteral } from '../../src/query/literals';
import { readCount, readRecords } from '../../src/query/response';
import { dateFieldMapping, entityDefinition } from '../../src/entities';

const jan1 = new Date('2024-01-01T00:00:00Z');
const jan8 = new Date('2024-01-08T00:00:00Z');

describe('query builder', () => {
  it('writes a window query with explicit-offset literals, ORDERBY and paging', () => {
    const invoices = entityDefinition('invoices');
    const target = { entity: invoices, dateField: dateFieldMapping(invoices, 'last_updated'), conditions: windowConditions(jan1, jan8) };
    expect(buildSelect(target, { startPosition: 1, maxResults: 1000 })).toBe(
      "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2024-01-01T00:00:00+00:00' AND " +
        "MetaData.LastUpdatedTime < '2024-01-08T00:00:00+00:00' ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 1000",
    );
    expect(buildCount(target)).toBe(
      "SELECT COUNT(*) FROM Invoice WHERE MetaData.LastUpdatedTime >= '2024-01-01T00:00:00+00:00' AND MetaData.LastUpdatedTime < '2024-01-08T00:00:00+00:00'",
    );
  });

  it.each(['customers', 'items'] as const)('asks for inactive %s too', (name) => {
    const entity = entityDefinition(name);
    const target = { entity, dateField: dateFieldMapping(entity, 'last_updated'), conditions: windowConditions(jan1, jan8) };
    expect(buildSelect(target, { startPosition: 1, maxResults: 10 })).toContain("< '2024-01-08T00:00:00+00:00' AND Active IN (true, false) ORDERBY");
    expect(buildCount(target)).toMatch(/AND Active IN \(true, false\)$/);
  });

  it('filters invoices on TxnDate with date literals', () => {
    const invoices = entityDefinition('invoices');
    const target = { entity: invoices, dateField: dateFieldMapping(invoices, 'txn_date'), conditions: windowConditions(jan1, jan8) };
    expect(buildSelect(target, { startPosition: 1001, maxResults: 1000 })).toBe(
      "SELECT * FROM Invoice WHERE TxnDate >= '2024-01-01' AND TxnDate < '2024-01-08' ORDERBY TxnDate STARTPOSITION 1001 MAXRESULTS 1000",
    );
  });

  it('refuses txn_date for entities without it', () => {
    expect(() => dateFieldMapping(entityDefinition('items'), 'txn_date')).toThrow(/not available for items/);
  });

  it('refuses page sizes QBO would reject', () => {
    const items = entityDefinition('items');
    const target = { entity: items, dateField: dateFieldMapping(items, 'last_updated'), conditions: [] };
    expect(() => buildSelect(target, { startPosition: 1, maxResults: 1001 })).toThrow(/MAXRESULTS/);
    expect(() => buildSelect(target, { startPosition: 0, maxResults: 10 })).toThrow(/STARTPOSITION/);
  });

  it('always sends instants in UTC with +00:00', () => {
    expect(instantLiteral(new Date('2024-03-10T09:30:05-08:00'))).toBe('2024-03-10T17:30:05+00:00');
  });
});

describe('reading answers', () => {
  it('reads records, an empty page and a count', () => {
    expect(readRecords({ QueryResponse: { Item: [{ Id: '1' }], startPosition: 1, maxResults: 1 } }, 'Item')).toEqual([{ Id: '1' }]);
    expect(readRecords({ QueryResponse: {} }, 'Item')).toEqual([]);
    expect(readCount({ QueryResponse: { totalCount: 42 } }, 'Item')).toBe(42);
  });

  it('never reads a malformed answer as "no more data"', () => {
    expect(() => readRecords({}, 'Item')).toThrow(/without a QueryResponse/);
    expect(() => readRecords({ QueryResponse: { Customer: [{ Id: '1' }] } }, 'Item')).toThrow(/with Customer records/);
    expect(() => readRecords({ QueryResponse: { Item: [{ Name: 'x' }] } }, 'Item')).toThrow(/without an Id/);
    expect(() => readCount({ QueryResponse: {} }, 'Item')).toThrow(/without a totalCount/);
  });
});
