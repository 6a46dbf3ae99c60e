/**
 * Reads one window [start, end) without losing or duplicating records while the company changes underneath:
 * keyset paging on the sort key. Each page asks for `key >= cursor AND key < end ORDERBY key STARTPOSITION 1`,
 * with the cursor at the last key seen; records at the cursor value that were already delivered are dropped.
 * A record updated mid-scan only moves forward (its LastUpdatedTime becomes "now"): if it was already read it
 * is read again later in its newer version, if not it is read at its new place; no offset shifts, no gap.
 * A full page whose records all share one value would loop, so that value is read by tie-scan.ts instead.
 * The scan stops on a short (or empty) page; errors propagate, never "no more data".
 */
import { readCheckedPage } from './read-page';
import { keyUnitMs } from './sort-key';
import { scanTie, type PageCounter } from './tie-scan';
import type { ScannedPage, WindowScanOptions } from './types';

export async function* scanWindow(options: WindowScanOptions): AsyncGenerator<ScannedPage> {
  const end = options.windowEnd.getTime();
  const counter: PageCounter = { pageNumber: 0 };
  let cursor = options.windowStart.getTime();
  let seenAtCursor = new Set<string>();
  while (cursor < end) {
    const page = await readCheckedPage(options, cursor, end, 1);
    counter.pageNumber += 1;
    const fresh = page.records.filter((r) => !(r.key === cursor && seenAtCursor.has(r.record.Id)));
    yield { pageNumber: counter.pageNumber, pageSize: options.pageSize, request: page.request, records: fresh.map((r) => r.record) };
    if (page.records.length < options.pageSize) return;
    const first = page.records[0]!.key;
    const last = page.records[page.records.length - 1]!.key;
    const idsAtLast = page.records.filter((r) => r.key === last).map((r) => r.record.Id);
    if (first === last) {
      const seen = new Set([...(last === cursor ? seenAtCursor : []), ...idsAtLast]);
      yield* scanTie(options, last, counter, seen);
      cursor = last + keyUnitMs(options.dateField);
      seenAtCursor = new Set();
    } else {
      cursor = last;
      seenAtCursor = new Set(idsAtLast);
    }
  }
}

/** The records of a scan, page after page (memory stays one page). */
export async function* recordsOf(pages: AsyncIterable<ScannedPage>): AsyncGenerator<ScannedPage['records'][number]> {
  for await (const page of pages) yield* page.records;
}
