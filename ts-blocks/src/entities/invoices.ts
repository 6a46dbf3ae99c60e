import { LAST_UPDATED, type EntityDefinition } from './types';

/** Invoices: filtered by MetaData.LastUpdatedTime, or by TxnDate (the invoice date) on request. */
export const invoices: EntityDefinition = Object.freeze({
  name: 'invoices',
  qboEntity: 'Invoice',
  table: 'raw.qb_invoices',
  dateFields: {
    last_updated: LAST_UPDATED,
    txn_date: { qboField: 'TxnDate', kind: 'date' as const, read: (record: Readonly<Record<string, unknown>>) => record.TxnDate },
  },
  // Deleted invoices are gone from queries altogether (only CDC reports them); nothing to add here.
  extraFilters: [],
  deletable: true,
});
