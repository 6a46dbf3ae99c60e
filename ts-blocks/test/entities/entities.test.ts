import { ENTITY_DEFINITIONS } from '../../src/entities';
import { ENTITIES } from '../../src/core/types';

describe('entity definitions', () => {
  it('declare one QBO entity and raw table per entity', () => {
    expect(ENTITIES.map((e) => [e, ENTITY_DEFINITIONS[e].qboEntity, ENTITY_DEFINITIONS[e].table])).toEqual([
      ['invoices', 'Invoice', 'raw.qb_invoices'],
      ['customers', 'Customer', 'raw.qb_customers'],
      ['items', 'Item', 'raw.qb_items'],
    ]);
  });

  it('include inactive customers and items, which QBO hides by default', () => {
    expect(ENTITY_DEFINITIONS.customers.extraFilters).toContain('Active IN (true, false)');
    expect(ENTITY_DEFINITIONS.items.extraFilters).toContain('Active IN (true, false)');
    expect(ENTITY_DEFINITIONS.invoices.extraFilters).toEqual([]);
  });

  it('offer txn_date for invoices only', () => {
    expect(Object.keys(ENTITY_DEFINITIONS.invoices.dateFields).sort()).toEqual(['last_updated', 'txn_date']);
    expect(Object.keys(ENTITY_DEFINITIONS.customers.dateFields)).toEqual(['last_updated']);
    expect(Object.keys(ENTITY_DEFINITIONS.items.dateFields)).toEqual(['last_updated']);
  });

  it('read LastUpdatedTime from MetaData', () => {
    const read = ENTITY_DEFINITIONS.items.dateFields.last_updated!.read;
    expect(read({ Id: '1', MetaData: { LastUpdatedTime: '2024-01-01T10:00:00-08:00' } })).toBe('2024-01-01T10:00:00-08:00');
  });
});
