/**
 * A sort-key value shared by a full 1000-row page of records cannot be paged by keyset (every page would start
 * at the same value), so that one value, [v, v + unit), is read by offset: STARTPOSITION 1, 1001, ... Offsets
 * shift if a record leaves the value mid-scan (an update moves its LastUpdatedTime to "now"), which could skip
 * one, so each pass is bracketed by COUNT(*): it is complete when the count before, the count after, the rows
 * returned and the distinct Ids returned all agree; otherwise it is read again (versions already delivered are
 * not delivered twice). A value that never settles is a DataError, not a silent gap.
 */
import { DataError } from '../core/errors';
import { QBO_MAX_RESULTS } from '../query/builder';
import { fetchCount } from '../query/execute';
import type { Delivered } from './delivered';
import { readCheckedPage } from './read-page';
import { keyUnitMs } from './sort-key';
import { DEFAULT_MAX_TIE_PASSES, type ScannedPage, type WindowScanOptions } from './types';

export interface PageCounter {
  pageNumber: number;
}

interface TieScan {
  readonly options: WindowScanOptions;
  readonly value: number;
  readonly upper: number;
  readonly counter: PageCounter;
  readonly seen: Delivered;
}

/** Reads one page of the value and yields what was not delivered yet; returns the page's Ids. */
async function* tiePage(scan: TieScan, position: number): AsyncGenerator<ScannedPage, string[]> {
  const page = await readCheckedPage(scan.options, scan.value, scan.upper, position, QBO_MAX_RESULTS);
  scan.counter.pageNumber += 1;
  const fresh = page.records.filter((r) => scan.seen.admit(r.record)).map((r) => r.record);
  yield { pageNumber: scan.counter.pageNumber, pageSize: QBO_MAX_RESULTS, request: page.request, records: fresh };
  return page.records.map((r) => r.record.Id);
}

/** One offset pass over the value; true when it provably saw every record of the value. */
async function* countedPass(scan: TieScan): AsyncGenerator<ScannedPage, boolean> {
  const { options } = scan;
  const target = {
    entity: options.entity,
    dateField: options.dateField,
    conditions: [
      { op: '>=' as const, value: new Date(scan.value) },
      { op: '<' as const, value: new Date(scan.upper) },
    ],
  };
  const callOptions = { metrics: options.metrics, signal: options.signal };
  const before = await fetchCount(options.client, target, callOptions);
  const passIds: string[] = [];
  for (let position = 1; ; position += QBO_MAX_RESULTS) {
    const ids = yield* tiePage(scan, position);
    passIds.push(...ids);
    if (ids.length < QBO_MAX_RESULTS) break;
  }
  const after = await fetchCount(options.client, target, callOptions);
  return before === after && after === passIds.length && new Set(passIds).size === passIds.length;
}

export async function* scanTie(options: WindowScanOptions, value: number, counter: PageCounter, seen: Delivered): AsyncGenerator<ScannedPage> {
  const scan: TieScan = { options, value, upper: Math.min(value + keyUnitMs(options.dateField), options.windowEnd.getTime()), counter, seen };
  const passes = options.maxTiePasses ?? DEFAULT_MAX_TIE_PASSES;
  for (let pass = 1; pass <= passes; pass += 1) {
    if (yield* countedPass(scan)) return;
  }
  throw new DataError(
    `${options.entity.qboEntity} records at ${options.dateField.qboField} = ${new Date(value).toISOString()} kept changing during ` +
      `${passes} passes; re-run the chunk when the company is quieter.`,
    { code: 'PAGINATION_UNSTABLE', context: { value: new Date(value).toISOString() } },
  );
}
