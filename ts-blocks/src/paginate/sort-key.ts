/**
 * The sort key of a record, as epoch milliseconds truncated to the key's unit (a second for timestamps, a day
 * for dates). QBO stamps MetaData.LastUpdatedTime in the company's Pacific offset (`2024-01-05T10:36:03-08:00`),
 * so a key is only trusted with an explicit offset.
 */
import { DataError } from '../core/errors';
import type { DateFieldMapping } from '../entities/types';
import type { QboRecord } from '../spool/types';

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/i;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** The granularity of the key: keyset ties are records in the same unit. */
export function keyUnitMs(mapping: DateFieldMapping): number {
  return mapping.kind === 'date' ? DAY_MS : SECOND_MS;
}

export function sortKey(mapping: DateFieldMapping, record: QboRecord): number {
  const value = mapping.read(record);
  let ms = Number.NaN;
  if (typeof value === 'string' && mapping.kind === 'instant' && WITH_OFFSET.test(value)) ms = Date.parse(value);
  if (typeof value === 'string' && mapping.kind === 'date' && DATE_ONLY.test(value)) ms = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(ms)) {
    throw new DataError(
      `QBO record ${record.Id} has no usable ${mapping.qboField} (${JSON.stringify(value ?? null)}); expected ` +
        (mapping.kind === 'date' ? 'YYYY-MM-DD.' : 'an ISO timestamp with offset.'),
      { code: 'QBO_RECORD_BAD_SORT_KEY', context: { id: record.Id, field: mapping.qboField } },
    );
  }
  const unit = keyUnitMs(mapping);
  return Math.floor(ms / unit) * unit;
}
