/** Where each entity lands in the raw layer. */
import type { Entity } from '../core/events';

export const RAW_TABLES: Readonly<Record<Entity, string>> = {
  invoices: 'raw.qb_invoices',
  customers: 'raw.qb_customers',
  items: 'raw.qb_items',
};

export function rawTable(entity: Entity): string {
  return RAW_TABLES[entity];
}
