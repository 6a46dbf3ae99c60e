/**
 * QBO's COUNT(*) per window, captured at extraction for the validator. Two shortcuts avoid calls that cannot
 * tell anything new: a segment read in one short page is itself an atomic answer for its windows (the count is
 * the rows it returned), and a window that starts well after the scan ended cannot hold a record yet.
 */
import type { ChunkPlan } from '../ledger/types';
import type { ScanMetrics } from '../paginate/types';
import { windowConditions } from '../query/builder';
import { fetchCount } from '../query/execute';
import type { ChunkContext } from './context';

/** A window starting this long after the scan ended is not asked for (clock skew margin). */
export const FUTURE_MARGIN_MS = 3_600_000;

export async function sourceCounts(
  ctx: ChunkContext,
  chunks: readonly ChunkPlan[],
  metrics: ScanMetrics,
  pagesRead: number,
  linesOf: (chunk: ChunkPlan) => number,
): Promise<number[]> {
  if (pagesRead === 1) return chunks.map(linesOf);
  const scanEnded = ctx.clock.now();
  const counts: number[] = [];
  for (const chunk of chunks) {
    if (chunk.windowStart.getTime() > scanEnded + FUTURE_MARGIN_MS) {
      counts.push(0);
      continue;
    }
    const target = { entity: ctx.entity, dateField: ctx.mapping, conditions: windowConditions(chunk.windowStart, chunk.windowEnd) };
    counts.push(await fetchCount(ctx.client, target, { metrics, signal: ctx.signal }));
  }
  return counts;
}
