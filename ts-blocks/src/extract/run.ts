/**
 * One extraction run of one entity over one range:
 *  1. an access token first (an unusable refresh token fails here, before anything is written);
 *  2. the ledger opens the run (or continues an unfinished one with the same key, unless force);
 *  3. chunks already loaded are skipped; chunks extracted earlier whose spool file is complete are skipped too
 *     (the exporter loads them without API calls); the rest are extracted, several at once within the realm
 *     limiter, except windows that reach past the run's start: they go last, read by one scan (segment.ts);
 *  4. the circuit breaker stops the run after N consecutive failed chunks; an auth or configuration failure
 *     stops it at once. A run with a failed chunk fails with a clear error; a resume retries only those chunks.
 *  5. an abort from outside (deps.signal) is an interruption: chunks cut short go back to pending, count neither
 *     as failures nor towards the breaker, and the run ends with INTERRUPTED.
 * With `runLocks`, the run is locked for this process from the moment it is opened until extraction ends: another
 * process opening the same unfinished run fails at once (RUN_BUSY) instead of working it too.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isAuthError, isConfigError, toBackfillError, type BackfillError } from '../core/errors';
import { nullSink, type EventSink } from '../core/events';
import type { AccessTokenProvider } from '../auth/token-manager';
import type { RunVariables } from '../config/variables';
import { dateFieldMapping, entityDefinition } from '../entities';
import { systemClock, type Clock } from '../http/clock';
import type { QboClient } from '../http/qbo-client';
import type { RunLock, RunLocks } from '../ledger/run-lock';
import type { ChunkState, Ledger, RunGuard, RunState } from '../ledger/types';
import { CircuitBreaker } from './breaker';
import { chunkEvent, type ChunkContext } from './context';
import { extractSegment, type SegmentRead } from './segment';
import { defaultClosedRangeLimits, extractClosedRange, type ClosedRangeLimits, type ClosedRangeRunner } from './closed-ranges';
import type { ScanMetrics } from '../paginate/types';
import { classifyChunks, type ChunkDecision } from './decide';
import { buildManifest, type ChunkRecord } from './manifest-builder';
import type { ExtractManifest } from './manifest';
import { breakerError, CHUNK_CANCELLED, interruptedError, runFailure } from './outcome';
import { runPool } from './pool';
import { isClosedWindow, isLiveWindow, planWindows } from './windows';
import type { SourceDeletions } from '../ledger/source-deletions';
import { detectDeletions, type DeletionOutcome } from './deletions';
import { seenIds } from './seen-ids';
import type { PreStager } from '../store/pre-stage';

export interface ExtractDeps {
  readonly ledger: Ledger;
  readonly client: QboClient;
  readonly auth: AccessTokenProvider;
  readonly spoolDir: string;
  /** Chunks extracted at once (each has at most one request in flight). */
  readonly concurrency: number;
  readonly breakerThreshold: number;
  readonly origin: 'cli' | 'mage';
  readonly originRef?: string;
  readonly emit?: EventSink;
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  /** Overrides of how closed windows are grouped into offset passes (closed-ranges.ts). */
  readonly closedRanges?: Partial<ClosedRangeLimits>;
  /** Keeps other processes off the run while it is extracted (PostgreSQL advisory locks in production). */
  readonly runLocks?: RunLocks;
  /** Where confirmed deletions are recorded; without it, deletions are not detected (extract/deletions.ts). */
  readonly deletions?: SourceDeletions;
  /** Copies the spool lines into PostgreSQL as they are written, for the exporter (store/pre-stage.ts). */
  readonly stager?: PreStager;
}

interface RunControl {
  readonly controller: AbortController;
  readonly breaker: CircuitBreaker;
  stopError?: BackfillError;
  readonly records: Map<number, ChunkRecord>;
}

async function openRun(deps: ExtractDeps, vars: RunVariables, guard: RunGuard | undefined): Promise<RunState> {
  const plan = planWindows(vars.from, vars.to, vars.chunkDays);
  return deps.ledger.openRun(
    {
      entity: vars.entity,
      realmId: deps.client.realmId,
      dateField: vars.dateField,
      rangeStart: vars.from,
      rangeEnd: vars.to,
      chunkDays: vars.chunkDays,
      pageSize: vars.pageSize,
      resume: vars.resume,
      force: vars.force,
      origin: deps.origin,
      originRef: deps.originRef,
    },
    plan,
    guard,
  );
}

/** Books a failed segment (or a range that failed before its segment opened) and stops the run when it must. */
function segmentFailed(control: RunControl, segment: readonly ChunkState[], e: unknown): void {
  const err = toBackfillError(e);
  for (const chunk of segment) control.records.set(chunk.index, { chunk, status: 'failed', error: err });
  if (control.stopError) return;
  if (isAuthError(err) || isConfigError(err)) control.stopError = err;
  else if (control.breaker.recordFailure()) control.stopError = breakerError(control.breaker, segment[0]!, err);
  if (control.stopError) control.controller.abort(control.stopError);
}

function segmentWorker(ctx: ChunkContext, control: RunControl) {
  return async (segment: readonly ChunkState[], read?: SegmentRead, metrics?: ScanMetrics): Promise<void> => {
    if (control.stopError) return;
    try {
      const outcomes = await extractSegment(ctx, segment, read, metrics);
      control.breaker.recordSuccess();
      for (const [i, outcome] of outcomes.entries()) control.records.set(outcome.chunk.index, { chunk: segment[i]!, status: 'extracted', outcome });
    } catch (e) {
      if ((e as BackfillError).code === CHUNK_CANCELLED) return;
      segmentFailed(control, segment, e);
    }
  };
}

/** A range that failed before its segment opened (its COUNT): its chunks are marked failed like a segment's. */
function rangeFailed(ctx: ChunkContext, control: RunControl) {
  return async (chunks: readonly ChunkState[], e: unknown): Promise<void> => {
    const err = toBackfillError(e);
    for (const chunk of chunks) {
      await ctx.ledger.chunkFailed(ctx.runId, chunk.index, err);
      ctx.emit({ ...chunkEvent(ctx, chunk, 'failed'), reason: err.message });
    }
    segmentFailed(control, chunks, err);
  };
}

/** Consecutive chunks (by index) grouped together, in order. */
function contiguous(chunks: readonly ChunkState[]): ChunkState[][] {
  const groups: ChunkState[][] = [];
  for (const chunk of chunks) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1]!.index + 1 === chunk.index) last.push(chunk);
    else groups.push([chunk]);
  }
  return groups;
}

/** Runs the extraction and returns the manifest; throws (after marking the run failed) when a chunk failed. */
export async function extractRun(deps: ExtractDeps, vars: RunVariables): Promise<ExtractManifest> {
  await deps.auth.accessToken(deps.signal);
  const locks = deps.runLocks;
  let lock: RunLock | undefined;
  const guard: RunGuard | undefined = locks && {
    claim: async (runId) => {
      lock = await locks.acquire(runId);
    },
    checkIdle: (runId) => locks.assertFree(runId),
  };
  try {
    return await extractOpened(deps, vars, await openRun(deps, vars, guard));
  } finally {
    await lock?.release();
  }
}

async function extractOpened(deps: ExtractDeps, vars: RunVariables, run: RunState): Promise<ExtractManifest> {
  const clock = deps.clock ?? systemClock;
  const emit = deps.emit ?? nullSink;
  const startedAt = clock.now();
  const entity = entityDefinition(vars.entity);
  const mapping = dateFieldMapping(entity, vars.dateField);
  emit({
    type: 'log', level: 'info', phase: 'extract', entity: vars.entity, code: run.resumed ? 'RUN_RESUMED' : 'RUN_STARTED',
    message: `${run.resumed ? 'Resuming' : 'Starting'} run ${run.runId}: ${run.chunks.length} chunk(s) of ${vars.entity}.`,
    tags: { run_id: run.runId, chunks: run.chunks.length },
  });
  const control: RunControl = { controller: new AbortController(), breaker: new CircuitBreaker(deps.breakerThreshold), records: new Map() };
  const signal = deps.signal ? AbortSignal.any([deps.signal, control.controller.signal]) : control.controller.signal;
  const ctx: ChunkContext = {
    runId: run.runId, chunkCount: run.chunks.length, entity, dateField: vars.dateField, mapping, realmId: deps.client.realmId,
    pageSize: vars.pageSize, spoolDir: deps.spoolDir, client: deps.client, ledger: deps.ledger, clock, emit, signal,
    ...(deps.deletions && entity.deletable ? { seen: new Set<string>() } : {}),
    ...(deps.stager ? { stager: deps.stager } : {}),
  };
  const decisions: ChunkDecision[] = await classifyChunks(run.chunks);
  for (const d of decisions.filter((x) => x.skip)) {
    control.records.set(d.chunk.index, { chunk: d.chunk, status: d.skip!, footer: d.footer });
    emit({ ...chunkEvent(ctx, d.chunk, 'skipped'), reason: d.reason });
  }
  const todo = decisions.filter((d) => !d.skip).map((d) => d.chunk);
  const worker = segmentWorker(ctx, control);
  const stopped = () => control.stopError !== undefined || signal.aborted;
  const live = todo.filter((c) => isLiveWindow(c, startedAt));
  const closed = vars.dateField === 'last_updated' ? todo.filter((c) => isClosedWindow(c, startedAt)) : [];
  const others = todo.filter((c) => !live.includes(c) && !closed.includes(c)).map((c) => [c]);
  const runner: ClosedRangeRunner = { stopped, extract: worker, fail: rangeFailed(ctx, control) };
  const limits = { ...defaultClosedRangeLimits(vars.pageSize, deps.concurrency), ...deps.closedRanges };
  await Promise.all([
    ...contiguous(closed).map((range) => extractClosedRange(ctx, range, limits, runner)),
    runPool(others, deps.concurrency, (segment) => worker(segment), stopped),
  ]);
  await runPool(contiguous(live), 1, (segment) => worker(segment), stopped);
  const interrupted = deps.signal?.aborted ? interruptedError(run.runId, deps.signal, control.records.values(), run.chunks.length) : undefined;
  const failure = control.stopError ?? interrupted ?? runFailure(control.records.values(), run.chunks.length);
  if (failure) {
    if (!(await discardUnstarted(deps, run, control, failure))) await deps.ledger.setRunStatus(run.runId, 'failed', { error: failure });
    throw failure;
  }
  const deletions = await runDeletions(deps, ctx, vars, decisions);
  const manifest = buildManifest({ run, vars, spoolDir: deps.spoolDir, records: control.records, durationMs: clock.now() - startedAt });
  const withDeletions = deletions ? { ...manifest, deletions } : manifest;
  await deps.ledger.setRunStatus(run.runId, 'extracted', { metrics: { extract: manifest.totals, ...(deletions ? { deletions } : {}) } });
  return withDeletions;
}

/**
 * A configuration or authorization error (a wrong realm: QBO's 403/3100) found before any window was read: the new
 * run and its chunks are removed, and its spool directory, so it writes nothing, exactly like a bad flag.
 */
async function discardUnstarted(deps: ExtractDeps, run: RunState, control: RunControl, failure: BackfillError): Promise<boolean> {
  if (run.resumed || !(isAuthError(failure) || isConfigError(failure))) return false;
  if ([...control.records.values()].some((r) => r.status !== 'failed')) return false;
  if (!(await deps.ledger.discardRun(run.runId))) return false;
  await rm(join(deps.spoolDir, run.runId), { recursive: true, force: true }).catch(() => undefined);
  await deps.stager?.discard(run.runId);
  return true;
}

/** Once every window is read: the deletions QBO confirms in the run's range (extract/deletions.ts), if asked. */
async function runDeletions(deps: ExtractDeps, ctx: ChunkContext, vars: RunVariables, decisions: readonly ChunkDecision[]): Promise<DeletionOutcome | undefined> {
  if (!deps.deletions || !ctx.entity.deletable) return undefined;
  const seen = ctx.seen ? await seenIds(ctx.seen, decisions) : undefined;
  const scope = { runId: ctx.runId, entity: ctx.entity, realmId: ctx.realmId, dateField: vars.dateField, from: vars.from, to: vars.to };
  try {
    const outcome = await detectDeletions({ client: ctx.client, store: deps.deletions, clock: ctx.clock, signal: ctx.signal }, scope, seen);
    ctx.emit({
      type: 'log', level: 'info', phase: 'extract', entity: vars.entity, code: 'DELETIONS_DETECTED',
      message: `Run ${ctx.runId}: QBO confirmed ${outcome.confirmed} deleted ${vars.entity} in the range (${outcome.cdc_requests} CDC and ` +
        `${outcome.lookup_requests} by-id requests, ${outcome.looked_up} Ids looked up)${outcome.lookup_skipped ? `; no by-id lookup: ${outcome.lookup_skipped}` : ''}.`,
      tags: { run_id: ctx.runId, deleted: outcome.confirmed, cdc_requests: outcome.cdc_requests, lookup_requests: outcome.lookup_requests },
    });
    return outcome;
  } catch (e) {
    const err = toBackfillError(e);
    await deps.ledger.setRunStatus(ctx.runId, 'failed', { error: err });
    throw err;
  }
}
