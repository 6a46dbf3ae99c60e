import type { Entity } from './events';

export type { Entity };
/** Which field a window filters on: MetaData.LastUpdatedTime (default) or TxnDate (invoices only). */
export type DateField = 'last_updated' | 'txn_date';
export const ENTITIES: readonly Entity[] = ['invoices', 'customers', 'items'];
