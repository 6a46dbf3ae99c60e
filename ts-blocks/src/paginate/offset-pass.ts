/**
 * Reads a closed range [start, end) by offset, many pages at once, and proves the read complete with the count
 * taken before it. A closed range is one that ended before the run started (with a margin for clock skew): QBO
 * stamps LastUpdatedTime with "now" on every change, so a record can leave a closed range (updated or deleted)
 * but can never enter it. The set of records it holds only shrinks, and offsets only ever shift backwards.
 *
 * So, with N = COUNT(*) of the range taken before any page is read, the pages STARTPOSITION 1, 1 + size, ... up to
 * N are read in parallel. Every record returned belongs to the set counted, so when the pages return N records
 * with N distinct Ids, they are exactly that set: nothing was skipped, nothing read twice. When a record left
 * mid-pass, the later offsets slid back and fewer than N distinct records come back: the pass is "unsettled" and
 * the caller reads the range again another way (extract/closed-ranges.ts). The cost of a settled pass is one
 * COUNT plus ceil(N / size) pages, the least the data allows, and no page depends on another's answer.
 */
import { fetchCount } from '../query/execute';
import { readCheckedPage } from './read-page';
import type { ScannedPage, WindowScanOptions } from './types';

export interface OffsetPassOptions extends WindowScanOptions {
  /** COUNT(*) of [windowStart, windowEnd), taken before any page of the pass is read. */
  readonly counted: number;
  /** Pages requested at once (the realm limiter still caps what is in flight). */
  readonly concurrency: number;
  /** Receives every page, one call at a time (the order of pages is not guaranteed). */
  readonly onPage: (page: ScannedPage) => Promise<void>;
}

export interface OffsetPassResult {
  /** True when the pages returned exactly the `counted` records, each once. */
  readonly settled: boolean;
  /** Records the pages returned. */
  readonly returned: number;
  readonly pages: number;
}

/** COUNT(*) of the range the options describe. */
export async function countRange(options: WindowScanOptions): Promise<number> {
  const target = {
    entity: options.entity,
    dateField: options.dateField,
    conditions: [
      { op: '>=' as const, value: options.windowStart },
      { op: '<' as const, value: options.windowEnd },
    ],
  };
  return fetchCount(options.client, target, { metrics: options.metrics, signal: options.signal });
}

export async function readByOffsets(options: OffsetPassOptions): Promise<OffsetPassResult> {
  const size = options.pageSize;
  const pageCount = Math.ceil(options.counted / size);
  const lower = options.windowStart.getTime();
  const upper = options.windowEnd.getTime();
  const ids = new Set<string>();
  let returned = 0;
  let next = 0;
  let delivering: Promise<void> = Promise.resolve();
  let failed = false;
  let backlog = 0;
  const lane = async () => {
    while (next < pageCount && !failed && !options.signal?.aborted) {
      const pageNumber = (next += 1);
      const page = await readCheckedPage(options, lower, upper, 1 + (pageNumber - 1) * size, size);
      returned += page.records.length;
      for (const r of page.records) ids.add(r.record.Id);
      const scanned: ScannedPage = { pageNumber, pageSize: size, request: page.request, records: page.records.map((r) => r.record) };
      // The next request goes out while this page is delivered; a lane waits only when deliveries fall behind by
      // more than one page per lane, so memory stays bounded.
      backlog += 1;
      delivering = delivering.then(() => options.onPage(scanned)).finally(() => (backlog -= 1));
      // A failed delivery stops the lanes; the error itself is thrown by the final wait below.
      delivering.catch(() => (failed = true));
      if (backlog > options.concurrency) await delivering;
    }
  };
  const guarded = () =>
    lane().catch((e: unknown) => {
      failed = true;
      throw e;
    });
  // Every lane ends before this returns or throws: no page is delivered after the caller gave up on the pass.
  const lanes = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(options.concurrency, pageCount)) }, guarded));
  const rejected = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (rejected) {
    await delivering.catch(() => undefined);
    throw rejected.reason;
  }
  await delivering;
  options.signal?.throwIfAborted();
  return { settled: returned === options.counted && ids.size === options.counted, returned, pages: pageCount };
}
