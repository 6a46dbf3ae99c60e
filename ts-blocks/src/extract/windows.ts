/**
 * Cuts a range into half-open UTC windows [start, end) of `chunkDays` each (the last one shorter if the range
 * is not a multiple): consecutive windows share a boundary, so every instant of the range is in exactly one.
 */
import { ConfigError } from '../core/errors';
import type { ChunkPlan } from '../ledger/types';

export const DAY_MS = 86_400_000;

export function planWindows(from: Date, to: Date, chunkDays: number): ChunkPlan[] {
  const step = Math.round(chunkDays * DAY_MS);
  const start = from.getTime();
  const end = to.getTime();
  if (!(step > 0) || !(start < end)) {
    throw new ConfigError(`Cannot cut [${from.toISOString()}, ${to.toISOString()}) into ${chunkDays}-day windows.`, {
      code: 'CONFIG_INVALID_VARIABLE',
    });
  }
  const plan: ChunkPlan[] = [];
  for (let s = start, index = 0; s < end; s += step, index += 1) {
    plan.push({ index, windowStart: new Date(s), windowEnd: new Date(Math.min(s + step, end)) });
  }
  return plan;
}

/**
 * Windows that end after `now` can still receive records while the run goes on (an update moves a record's
 * LastUpdatedTime to "now"): they are extracted last, after every earlier window, by one scan (segment.ts).
 */
export function isLiveWindow(chunk: ChunkPlan, now: number): boolean {
  return chunk.windowEnd.getTime() > now;
}

/**
 * Windows that ended this long before the run started are closed: no record can enter them any more (QBO stamps
 * every change with its own "now"), even if its clock runs ahead of ours by up to this margin.
 */
export const CLOSED_MARGIN_MS = 15 * 60_000;

export function isClosedWindow(chunk: ChunkPlan, now: number): boolean {
  return chunk.windowEnd.getTime() <= now - CLOSED_MARGIN_MS;
}
