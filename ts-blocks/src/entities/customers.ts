import { INCLUDE_INACTIVE, LAST_UPDATED, type EntityDefinition } from './types';

/** Customers, inactive ones included (QBO hides them by default; their names gain a " (deleted)" suffix). */
export const customers: EntityDefinition = Object.freeze({
  name: 'customers',
  qboEntity: 'Customer',
  table: 'raw.qb_customers',
  dateFields: { last_updated: LAST_UPDATED },
  extraFilters: [INCLUDE_INACTIVE],
});
