/**
 * Reads one page and checks what keyset paging relies on: every record's sort key lies within the bounds that
 * were asked for, in non-decreasing order. A violation is a DataError, never silently skipped.
 */
import { DataError } from '../core/errors';
import { fetchPage } from '../query/execute';
import type { QboRecord, RequestPayload } from '../spool/types';
import { sortKey } from './sort-key';
import type { WindowScanOptions } from './types';

export interface KeyedRecord {
  readonly key: number;
  readonly record: QboRecord;
}

export interface CheckedPage {
  readonly request: RequestPayload;
  readonly records: readonly KeyedRecord[];
}

export async function readCheckedPage(
  options: WindowScanOptions,
  lower: number,
  upper: number,
  startPosition: number,
  maxResults = options.pageSize,
): Promise<CheckedPage> {
  const target = {
    entity: options.entity,
    dateField: options.dateField,
    conditions: [
      { op: '>=' as const, value: new Date(lower) },
      { op: '<' as const, value: new Date(upper) },
    ],
  };
  const page = await fetchPage(options.client, target, { startPosition, maxResults }, {
    metrics: options.metrics,
    signal: options.signal,
  });
  options.metrics.pages_read += 1;
  let previous = lower;
  const records = page.records.map((record) => {
    const key = sortKey(options.dateField, record);
    if (key < lower || key >= upper || key < previous) {
      throw new DataError(
        `QBO returned ${options.entity.qboEntity} ${record.Id} out of the requested order or range ` +
          `[${new Date(lower).toISOString()}, ${new Date(upper).toISOString()}) on ${options.dateField.qboField}; the page is not used.`,
        { code: 'QBO_PAGE_OUT_OF_ORDER', context: { id: record.Id } },
      );
    }
    previous = key;
    return { key, record };
  });
  return { request: page.request, records };
}
