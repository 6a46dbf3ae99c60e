/**
 * Extracts a segment: one chunk, or several consecutive chunks read by a single keyset scan over their joint
 * range. The windows that reach past the run's start form one segment, because an update made while the run goes
 * on moves a record to "now", ahead of the scan's cursor but possibly into another of those windows: one scan
 * that keeps going until a short page catches it wherever it lands. Records are spooled per chunk; the scan's
 * API calls, retries and time are booked on the segment's first chunk, and every chunk's event carries the whole
 * pass's figures (`pass`), so a log reads "read in one pass with chunks 3-7" rather than "0 API calls". On failure every chunk of the segment is
 * marked failed and its unfinished spool file removed; when the run's signal aborted (an interruption, or the run
 * stopped by another chunk) the chunks were cancelled, not failed: they go back to pending, with no error.
 */
import { FatalError, toBackfillError, type BackfillError } from '../core/errors';
import type { ChunkPass } from '../core/events';
import type { ChunkPlan, ExtractResult } from '../ledger/types';
import { scanWindow } from '../paginate/keyset';
import { emptyScanMetrics, type ScanMetrics, type WindowScanOptions } from '../paginate/types';
import type { CompletedSpool } from '../spool/writer';
import { chunkEvent, type ChunkContext, type ChunkOutcome } from './context';
import { CHUNK_CANCELLED } from './outcome';
import { SegmentSpool } from './segment-spool';
import { sourceCounts } from './source-counts';

/**
 * How a segment's records are read into its spool: returns each chunk's source count (QBO's COUNT(*) of its window,
 * or the rows of a read proven complete), in the segment's order.
 */
export type SegmentRead = (ctx: ChunkContext, chunks: readonly ChunkPlan[], spool: SegmentSpool, metrics: ScanMetrics) => Promise<number[]>;

/** What a read of consecutive chunks' joint range [first start, last end) asks QBO for. */
export function rangeOptions(ctx: ChunkContext, chunks: readonly ChunkPlan[], metrics: ScanMetrics): WindowScanOptions {
  return {
    client: ctx.client,
    entity: ctx.entity,
    dateField: ctx.mapping,
    windowStart: chunks[0]!.windowStart,
    windowEnd: chunks[chunks.length - 1]!.windowEnd,
    pageSize: ctx.pageSize,
    metrics,
    signal: ctx.signal,
  };
}

/** One keyset scan over the segment's joint range (paginate/keyset.ts), then the windows' counts. */
export const keysetRead: SegmentRead = async (ctx, chunks, spool, metrics) => {
  const pages = scanWindow(rangeOptions(ctx, chunks, metrics));
  const before = metrics.pages_read;
  for await (const page of pages) await spool.write(page);
  return sourceCounts(ctx, chunks, metrics, metrics.pages_read - before, (c) => spool.linesOf(c));
};

async function scanSegment(ctx: ChunkContext, chunks: readonly ChunkPlan[], metrics: ScanMetrics, read: SegmentRead): Promise<{ spools: CompletedSpool[]; counts: number[] }> {
  const spool = await SegmentSpool.open(ctx, chunks);
  try {
    const counts = await read(ctx, chunks, spool, metrics);
    const footers = chunks.map((c, i) => ({ pages: chunks.length === 1 ? metrics.pages_read : spool.pagesOf(c), sourceCount: counts[i]! }));
    return { spools: await spool.complete(footers), counts };
  } catch (e) {
    await spool.abort();
    throw e;
  }
}

function chunkMetrics(i: number, spool: CompletedSpool, metrics: ScanMetrics, durationMs: number): ExtractResult['metrics'] {
  const first = i === 0;
  return {
    pages_read: spool.pages,
    rows_read: spool.rows,
    api_calls: first ? metrics.api_calls : 0,
    retries: first ? metrics.retries : 0,
    throttled: first ? metrics.throttled : 0,
    duration_ms: first ? durationMs : 0,
  };
}

/** What a read of several chunks cost in all (undefined for a chunk read alone). */
function passOf(chunks: readonly ChunkPlan[], metrics: ScanMetrics, durationMs: number): ChunkPass | undefined {
  if (chunks.length < 2) return undefined;
  const { pages_read, api_calls, retries, throttled } = metrics;
  return { first_chunk: chunks[0]!.index, last_chunk: chunks[chunks.length - 1]!.index, pages_read, api_calls, retries, throttled, duration_ms: durationMs };
}

/** Extracts the chunks of a segment; throws the classified error after recording it for each chunk. */
export async function extractSegment(
  ctx: ChunkContext,
  chunks: readonly ChunkPlan[],
  read: SegmentRead = keysetRead,
  metrics: ScanMetrics = emptyScanMetrics(),
): Promise<ChunkOutcome[]> {
  const started = ctx.clock.now();
  for (const chunk of chunks) ctx.emit(chunkEvent(ctx, chunk, 'started'));
  await ctx.ledger.chunksExtracting(ctx.runId, chunks.map((c) => c.index));
  let scanned: { spools: CompletedSpool[]; counts: number[] };
  try {
    scanned = await scanSegment(ctx, chunks, metrics, read);
  } catch (e) {
    if (ctx.signal?.aborted) throw await cancelled(ctx, chunks);
    const err: BackfillError = toBackfillError(e);
    for (const chunk of chunks) {
      await ctx.ledger.chunkFailed(ctx.runId, chunk.index, err);
      const durationMs = ctx.clock.now() - started;
      const pass = passOf(chunks, metrics, durationMs);
      ctx.emit({ ...chunkEvent(ctx, chunk, 'failed'), metrics: { ...metrics, duration_ms: durationMs }, ...(pass && { pass }), reason: err.message });
    }
    throw err;
  }
  const durationMs = ctx.clock.now() - started;
  const pass = passOf(chunks, metrics, durationMs);
  const outcomes: ChunkOutcome[] = chunks.map((chunk, i) => {
    const spool = scanned.spools[i]!;
    const read = pass && { first: pass.first_chunk, last: pass.last_chunk, pages: pass.pages_read };
    return { chunk, spool, sourceCount: scanned.counts[i]!, metrics: chunkMetrics(i, spool, metrics, durationMs), ...(read && { pass: read }) };
  });
  await ctx.ledger.chunksExtracted(
    ctx.runId,
    outcomes.map((o) => ({
      index: o.chunk.index,
      result: { spoolPath: o.spool.path, sourceCount: o.sourceCount, metrics: o.metrics, ...(o.pass && { pass: o.pass }) },
    })),
  );
  for (const outcome of outcomes) {
    ctx.emit({ ...chunkEvent(ctx, outcome.chunk, 'done'), metrics: { ...outcome.metrics, source_count: outcome.sourceCount }, ...(pass && { pass }) });
    if (outcome.spool.supersededLines.length > 0) emitSuperseded(ctx, outcome.chunk, outcome.spool.supersededLines.length);
  }
  return outcomes;
}

async function cancelled(ctx: ChunkContext, chunks: readonly ChunkPlan[]): Promise<FatalError> {
  for (const chunk of chunks) {
    await ctx.ledger.chunkInterrupted(ctx.runId, chunk.index);
    ctx.emit({
      type: 'log',
      level: 'info',
      phase: 'extract',
      entity: ctx.entity.name,
      code: CHUNK_CANCELLED,
      message: `Chunk ${chunk.index} was cancelled before it finished; it is extracted again when the run resumes.`,
      tags: { run_id: ctx.runId, chunk_index: chunk.index },
    });
  }
  return new FatalError(`Extraction of chunk(s) ${chunks.map((c) => c.index).join(', ')} was cancelled.`, { code: CHUNK_CANCELLED });
}

function emitSuperseded(ctx: ChunkContext, chunk: ChunkPlan, superseded: number): void {
  ctx.emit({
    type: 'log',
    level: 'info',
    phase: 'extract',
    entity: ctx.entity.name,
    code: 'RECORDS_UPDATED_MID_SCAN',
    message: `Chunk ${chunk.index}: ${superseded} record(s) changed during the scan; only their newest version is spooled.`,
    tags: { chunk_index: chunk.index, superseded },
  });
}
