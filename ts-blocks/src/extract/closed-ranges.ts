/**
 * Extraction of closed windows (ended before the run started) on MetaData.LastUpdatedTime: consecutive pending
 * windows are read together by counted offset passes (paginate/offset-pass.ts), so the API calls depend on the
 * rows, not on the chunk size: one COUNT(*) per range plus ceil(rows / page size) pages, many in flight at once.
 *
 * A range is first counted. One holding more than `maxPassRows` (or more than `maxPassChunks` windows) is halved at
 * a window boundary (see extractClosedRange for what that costs); a smaller one becomes one segment (segment.ts): its windows are
 * marked extracting, read by one pass, spooled per window and marked extracted together. When the pass does not
 * settle (a record left the range mid-pass), what it spooled is discarded and the range is halved and read again;
 * a single window that does not settle is read by keyset (paginate/keyset.ts), which needs no stable offsets.
 * A window's source count is its share of the settled pass: the records it holds as of the COUNT(*) taken before.
 */
import type { ChunkPlan, ChunkState } from '../ledger/types';
import { countRange, readByOffsets } from '../paginate/offset-pass';
import { emptyScanMetrics, type ScanMetrics } from '../paginate/types';
import type { ChunkContext } from './context';
import { keysetRead, rangeOptions, type SegmentRead } from './segment';
import type { SegmentSpool } from './segment-spool';

export interface ClosedRangeLimits {
  /** Pages requested at once by one pass. */
  readonly concurrency: number;
  /** Rows one pass (one segment) reads at most: what a crash or an unsettled pass costs again. */
  readonly maxPassRows: number;
  /** Windows one segment spools at most (its files are opened as written to: segment-spool.ts). */
  readonly maxPassChunks: number;
}

/** 100 full pages (about 7.5 s of reading at 10 in flight): what a crash or a churned pass costs again at most. */
export function defaultClosedRangeLimits(pageSize: number, concurrency: number): ClosedRangeLimits {
  return { concurrency, maxPassRows: 100 * pageSize, maxPassChunks: 20_000 };
}

/** What the planner needs from extract/run.ts: run a segment, or record that a range failed before one opened. */
export interface ClosedRangeRunner {
  readonly stopped: () => boolean;
  readonly extract: (chunks: readonly ChunkState[], read: SegmentRead, metrics: ScanMetrics) => Promise<void>;
  readonly fail: (chunks: readonly ChunkState[], error: unknown) => Promise<void>;
}

function halves<T>(items: readonly T[]): [T[], T[]] {
  const mid = Math.ceil(items.length / 2);
  return [items.slice(0, mid), items.slice(mid)];
}

/** Reads `chunks` (counted: `counted` records) into the segment's spool; returns each window's source count. */
async function settle(
  ctx: ChunkContext,
  chunks: readonly ChunkPlan[],
  counted: number,
  spool: SegmentSpool,
  metrics: ScanMetrics,
  limits: ClosedRangeLimits,
): Promise<number[]> {
  const pass = await readByOffsets({
    ...rangeOptions(ctx, chunks, metrics),
    counted,
    concurrency: limits.concurrency,
    onPage: (page) => spool.write(page),
  });
  if (pass.settled) return chunks.map((c) => spool.linesOf(c));
  await spool.reset(chunks);
  ctx.emit({
    type: 'log',
    level: 'info',
    phase: 'extract',
    entity: ctx.entity.name,
    code: 'RANGE_CHANGED_MID_READ',
    message:
      `Chunks ${chunks[0]!.index}..${chunks[chunks.length - 1]!.index}: ${counted} record(s) counted, ${pass.returned} returned while ` +
      `records changed; ${chunks.length > 1 ? 'reading each half again' : 'reading the chunk again by keyset'}.`,
    tags: { first_chunk: chunks[0]!.index, last_chunk: chunks[chunks.length - 1]!.index, counted, returned: pass.returned },
  });
  if (chunks.length === 1) return keysetRead(ctx, chunks, spool, metrics);
  const counts: number[] = [];
  for (const half of halves(chunks)) {
    counts.push(...(await settle(ctx, half, await countRange(rangeOptions(ctx, half, metrics)), spool, metrics, limits)));
  }
  return counts;
}

function offsetRead(counted: number, limits: ClosedRangeLimits): SegmentRead {
  return (ctx, chunks, spool, metrics) => settle(ctx, chunks, counted, spool, metrics, limits);
}

/** A range ready to be read by one segment, or one whose counting failed. */
interface PlannedRange {
  readonly chunks: readonly ChunkState[];
  readonly counted: number;
  readonly carried: ScanMetrics;
  readonly error?: unknown;
}

/**
 * Cuts consecutive closed windows (in index order, no gap) into ranges one pass may read, in order. `counted` is
 * the range's COUNT(*) when already known; `carried` holds calls already made for this range (its parent's COUNTs
 * when it was halved): they are booked on its first segment.
 *
 * Halving costs one COUNT(*): the second half's count is the parent's minus the first half's. Records only leave a
 * closed range, so that figure is at least the second half's count at the parent's COUNT, and a pass that returns
 * that many distinct records read exactly the set the second half held then; if one left in between, the pass
 * comes back short and the range is recounted like any unsettled pass.
 */
async function* planRanges(
  ctx: ChunkContext,
  chunks: readonly ChunkState[],
  limits: ClosedRangeLimits,
  counted?: number,
  carried: ScanMetrics = emptyScanMetrics(),
): AsyncGenerator<PlannedRange> {
  if (chunks.length === 0) return;
  let total = counted;
  let firstCount: number | undefined;
  const [first, second] = halves(chunks);
  try {
    total ??= await countRange(rangeOptions(ctx, chunks, carried));
    if (chunks.length > 1 && (chunks.length > limits.maxPassChunks || total > limits.maxPassRows)) {
      firstCount = await countRange(rangeOptions(ctx, first, carried));
    }
  } catch (error) {
    yield { chunks, counted: 0, carried, error };
    return;
  }
  if (firstCount === undefined) {
    yield { chunks, counted: total, carried };
    return;
  }
  yield* planRanges(ctx, first, limits, firstCount, carried);
  yield* planRanges(ctx, second, limits, Math.max(0, total - firstCount));
}

/** Passes over one run of closed windows at once: one keeps the realm's slots busy while the other ends. */
export const PASSES_AT_ONCE = 2;

/**
 * Extracts consecutive closed windows: ranges are planned one after the other and read by at most PASSES_AT_ONCE
 * segments at a time, so what the loader holds (the Ids of a pass, pages being spooled) does not grow with the data.
 */
export async function extractClosedRange(ctx: ChunkContext, chunks: readonly ChunkState[], limits: ClosedRangeLimits, runner: ClosedRangeRunner): Promise<void> {
  const plan = planRanges(ctx, chunks, limits);
  const worker = async () => {
    while (!runner.stopped()) {
      const next = await plan.next();
      if (next.done) return;
      const range = next.value;
      if (range.error === undefined) await runner.extract(range.chunks, offsetRead(range.counted, limits), range.carried);
      else if (!ctx.signal?.aborted) await runner.fail(range.chunks, range.error);
    }
  };
  await Promise.all(Array.from({ length: PASSES_AT_ONCE }, worker));
}
