import { INCLUDE_INACTIVE, LAST_UPDATED, type EntityDefinition } from './types';

/** Items (products and services), inactive ones included (QBO hides them by default). */
export const items: EntityDefinition = Object.freeze({
  name: 'items',
  qboEntity: 'Item',
  table: 'raw.qb_items',
  dateFields: { last_updated: LAST_UPDATED },
  extraFilters: [INCLUDE_INACTIVE],
});
