/**
 * A sort-key value shared by at least a full page of records cannot be paged by keyset (every page would start at
 * the same value), so that one value is read by offset: [v, v + unit) with STARTPOSITION 1, 1 + n, ...
 * Offsets shift if a record leaves the value mid-scan (it was updated, so its LastUpdatedTime moved to "now"),
 * which could skip a record. So each pass is bracketed by COUNT(*) of the value: the pass is complete when the
 * count before, the count after, the rows returned and the distinct Ids returned all agree; otherwise it is read
 * again (already delivered Ids are not delivered twice). A value that never settles is a DataError, not a gap.
 */
import { DataError } from '../core/errors';
import { fetchCount } from '../query/execute';
import { readCheckedPage } from './read-page';
import { keyUnitMs } from './sort-key';
import { DEFAULT_MAX_TIE_PASSES, type ScannedPage, type WindowScanOptions } from './types';

export interface PageCounter {
  pageNumber: number;
}

export async function* scanTie(options: WindowScanOptions, value: number, counter: PageCounter, seen: Set<string>): AsyncGenerator<ScannedPage> {
  const upper = Math.min(value + keyUnitMs(options.dateField), options.windowEnd.getTime());
  const target = {
    entity: options.entity,
    dateField: options.dateField,
    conditions: [
      { op: '>=' as const, value: new Date(value) },
      { op: '<' as const, value: new Date(upper) },
    ],
  };
  const callOptions = { metrics: options.metrics, signal: options.signal };
  const passes = options.maxTiePasses ?? DEFAULT_MAX_TIE_PASSES;
  for (let pass = 1; pass <= passes; pass += 1) {
    const before = await fetchCount(options.client, target, callOptions);
    let returned = 0;
    const passIds = new Set<string>();
    for (let position = 1; ; position += options.pageSize) {
      const page = await readCheckedPage(options, value, upper, position);
      counter.pageNumber += 1;
      returned += page.records.length;
      for (const r of page.records) passIds.add(r.record.Id);
      const fresh = page.records.filter((r) => !seen.has(r.record.Id)).map((r) => r.record);
      for (const r of fresh) seen.add(r.Id);
      yield { pageNumber: counter.pageNumber, pageSize: options.pageSize, request: page.request, records: fresh };
      if (page.records.length < options.pageSize) break;
    }
    const after = await fetchCount(options.client, target, callOptions);
    if (before === after && after === returned && passIds.size === returned) return;
  }
  throw new DataError(
    `${options.entity.qboEntity} records at ${options.dateField.qboField} = ${new Date(value).toISOString()} kept changing during ` +
      `${passes} passes; re-run the chunk when the company is quieter.`,
    { code: 'PAGINATION_UNSTABLE', context: { value: new Date(value).toISOString() } },
  );
}
