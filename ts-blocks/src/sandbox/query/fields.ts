/**
 * Queryable properties per entity. Some are answered from the compact index (no payload built); the rest are
 * read from the rebuilt payload. A property not listed here is a 400 Fault 4001 "Property X not found".
 */
import type { SandboxEntity } from '../options';

export type FieldType = 'id' | 'datetime' | 'date' | 'bool' | 'number' | 'string';
/** Compact columns that answer a property without building the payload. */
export type IndexedColumn = 'ids' | 'lastUpdated' | 'createTime' | 'txnDay' | 'active';

export interface FieldDef {
  /** Canonical path, e.g. `MetaData.LastUpdatedTime`. */
  readonly path: string;
  readonly type: FieldType;
  readonly column?: IndexedColumn;
}

const COMMON: FieldDef[] = [
  { path: 'Id', type: 'id', column: 'ids' },
  { path: 'SyncToken', type: 'number' },
  { path: 'MetaData.CreateTime', type: 'datetime', column: 'createTime' },
  { path: 'MetaData.LastUpdatedTime', type: 'datetime', column: 'lastUpdated' },
];

const strings = (...paths: string[]): FieldDef[] => paths.map((path) => ({ path, type: 'string' as const }));
const numbers = (...paths: string[]): FieldDef[] => paths.map((path) => ({ path, type: 'number' as const }));
const bools = (...paths: string[]): FieldDef[] => paths.map((path) => ({ path, type: 'bool' as const }));

const FIELDS: Record<SandboxEntity, FieldDef[]> = {
  Customer: [
    ...COMMON,
    { path: 'Active', type: 'bool', column: 'active' },
    ...strings('DisplayName', 'GivenName', 'FamilyName', 'CompanyName', 'FullyQualifiedName', 'PrintOnCheckName',
      'PrimaryEmailAddr', 'PrimaryPhone', 'ParentRef', 'PreferredDeliveryMethod', 'CurrencyRef'),
    ...numbers('Balance', 'BalanceWithJobs', 'Level'),
    ...bools('Taxable', 'Job', 'BillWithParent'),
  ],
  Item: [
    ...COMMON,
    { path: 'Active', type: 'bool', column: 'active' },
    ...strings('Name', 'FullyQualifiedName', 'Description', 'Type', 'IncomeAccountRef', 'ExpenseAccountRef', 'Sku'),
    ...numbers('UnitPrice', 'PurchaseCost', 'QtyOnHand', 'Level'),
    ...bools('Taxable', 'TrackQtyOnHand', 'SubItem'),
  ],
  Invoice: [
    ...COMMON,
    { path: 'TxnDate', type: 'date', column: 'txnDay' },
    { path: 'DueDate', type: 'date' },
    ...strings('DocNumber', 'CustomerRef', 'CurrencyRef', 'EmailStatus', 'PrintStatus'),
    ...numbers('TotalAmt', 'Balance', 'Deposit'),
    ...bools('ApplyTaxAfterDiscount'),
  ],
};

/**
 * Further properties of each entity (QBO's schema, minor version 75) that a select list may name though the sandbox
 * does not filter on them (`SELECT Id, Line FROM Invoice`).
 */
const SCHEMA_ONLY: Record<SandboxEntity, string[]> = {
  Customer: ['MetaData', 'domain', 'sparse', 'Title', 'MiddleName', 'Suffix', 'BillAddr', 'ShipAddr', 'Mobile', 'Fax',
    'WebAddr', 'Notes', 'DefaultTaxCodeRef', 'SalesTermRef', 'PaymentMethodRef', 'ResaleNum', 'OpenBalanceDate',
    'TaxExemptionReasonId', 'PrimaryTaxIdentifier', 'IsProject', 'ClientEntityId', 'CustomerTypeRef', 'Source'],
  Item: ['MetaData', 'domain', 'sparse', 'ParentRef', 'AssetAccountRef', 'PurchaseDesc', 'InvStartDate',
    'SalesTaxIncluded', 'PurchaseTaxIncluded', 'SalesTaxCodeRef', 'PurchaseTaxCodeRef', 'ClassRef', 'ReorderPoint',
    'PrefVendorRef', 'AbatementRate', 'ReverseChargeRate', 'ServiceType', 'ItemCategoryType', 'TaxClassificationRef',
    'Source'],
  Invoice: ['MetaData', 'domain', 'sparse', 'Line', 'TxnTaxDetail', 'BillAddr', 'ShipAddr', 'ShipFromAddr',
    'LinkedTxn', 'CustomField', 'BillEmail', 'BillEmailCc', 'BillEmailBcc', 'SalesTermRef', 'ShipDate', 'ShipMethodRef',
    'TrackingNum', 'PrivateNote', 'CustomerMemo', 'ClassRef', 'DepartmentRef', 'GlobalTaxCalculation', 'ExchangeRate',
    'HomeTotalAmt', 'HomeBalance', 'TxnSource', 'DeliveryInfo', 'InvoiceLink', 'AllowOnlineCreditCardPayment',
    'AllowOnlineACHPayment', 'AllowIPNPayment', 'AllowOnlinePayment', 'TaxExemptionRef', 'TransactionLocationType',
    'RecurDataRef', 'ProjectRef', 'DepositToAccountRef'],
};

const LOOKUP = new Map<string, FieldDef>();
for (const [entity, defs] of Object.entries(FIELDS)) {
  for (const def of defs) LOOKUP.set(`${entity}|${def.path.toLowerCase()}`, def);
}

const SELECTABLE = new Set<string>();
for (const [entity, paths] of Object.entries(SCHEMA_ONLY)) {
  for (const path of paths) SELECTABLE.add(`${entity}|${path.toLowerCase()}`);
}

/** Whether a select list may name `path` (any queryable property, or one of the entity's other properties). */
export function isSelectable(entity: SandboxEntity, path: string): boolean {
  return findField(entity, path) !== undefined || SELECTABLE.has(`${entity}|${path.toLowerCase()}`);
}

/** The property named `path` (any case: `Metadata.` as well as `MetaData.`), or undefined. */
export function findField(entity: SandboxEntity, path: string): FieldDef | undefined {
  return LOOKUP.get(`${entity}|${path.toLowerCase()}`);
}

/** Reads a property from a payload; references compare by their `value`, e-mail/phone by their text. */
export function readPath(payload: Record<string, unknown>, path: string): unknown {
  let v: unknown = payload;
  for (const part of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return o.value ?? o.Address ?? o.FreeFormNumber;
  }
  return v;
}
