/**
 * Reads one window [start, end) without losing or duplicating records while the company changes underneath:
 * keyset paging on the sort key. Each page asks for `key >= cursor AND key < end ORDERBY key STARTPOSITION 1`,
 * with the cursor at the last key seen; record versions at the cursor value that were already delivered are
 * dropped. A record updated mid-scan only moves forward (its LastUpdatedTime becomes "now", never behind the
 * cursor): read before, it is read again later in its newer version; not read yet, it is read at its new place.
 * No offset shifts, no gap. A full page whose records all share one value would not move the cursor: the same
 * value is asked again with QBO's largest page (1000); only a value shared by 1000 records or more is read by
 * offset (tie-scan.ts) and then stepped over. The scan stops on a short (or empty) page; errors propagate,
 * never "no more data".
 */
import { QBO_MAX_RESULTS } from '../query/builder';
import { Delivered } from './delivered';
import { readCheckedPage } from './read-page';
import { keyUnitMs } from './sort-key';
import { scanTie, type PageCounter } from './tie-scan';
import type { ScannedPage, WindowScanOptions } from './types';

export async function* scanWindow(options: WindowScanOptions): AsyncGenerator<ScannedPage> {
  const end = options.windowEnd.getTime();
  const counter: PageCounter = { pageNumber: 0 };
  let cursor = options.windowStart.getTime();
  let atCursor = new Delivered();
  let maxResults = options.pageSize;
  while (cursor < end) {
    const page = await readCheckedPage(options, cursor, end, 1, maxResults);
    counter.pageNumber += 1;
    const fresh = page.records.filter((r) => r.key !== cursor || atCursor.admit(r.record));
    yield { pageNumber: counter.pageNumber, pageSize: maxResults, request: page.request, records: fresh.map((r) => r.record) };
    if (page.records.length < maxResults) return;
    const first = page.records[0]!.key;
    const last = page.records[page.records.length - 1]!.key;
    const atLast = last === cursor ? atCursor : new Delivered();
    for (const r of page.records) if (r.key === last) atLast.admit(r.record);
    if (first === last && maxResults === QBO_MAX_RESULTS) {
      yield* scanTie(options, last, counter, atLast);
      cursor = last + keyUnitMs(options.dateField);
      atCursor = new Delivered();
      maxResults = options.pageSize;
    } else {
      maxResults = first === last ? QBO_MAX_RESULTS : options.pageSize;
      cursor = last;
      atCursor = atLast;
    }
  }
}

/** The records of a scan, page after page (memory stays one page). */
export async function* recordsOf(pages: AsyncIterable<ScannedPage>): AsyncGenerator<ScannedPage['records'][number]> {
  for await (const page of pages) yield* page.records;
}
