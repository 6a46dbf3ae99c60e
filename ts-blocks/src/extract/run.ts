/**
 * One extraction run of one entity over one range:
 *  1. an access token first (an unusable refresh token fails here, before anything is written);
 *  2. the ledger opens the run (or continues an unfinished one with the same key, unless force);
 *  3. chunks already loaded are skipped; chunks extracted earlier whose spool file is complete are skipped too
 *     (the exporter loads them without API calls); the rest are extracted, several at once within the realm
 *     limiter, except windows that reach past the run's start: they go last, read by one scan (segment.ts);
 *  4. the circuit breaker stops the run after N consecutive failed chunks; an auth or configuration failure
 *     stops it at once. A run with a failed chunk fails with a clear error; a resume retries only those chunks.
 */
import { FatalError, isAuthError, isConfigError, type BackfillError } from '../core/errors';
import { nullSink, type EventSink } from '../core/events';
import type { AccessTokenProvider } from '../auth/token-manager';
import type { RunVariables } from '../config/variables';
import { dateFieldMapping, entityDefinition } from '../entities';
import { systemClock, type Clock } from '../http/clock';
import type { QboClient } from '../http/qbo-client';
import type { ChunkState, Ledger, RunState } from '../ledger/types';
import { CircuitBreaker } from './breaker';
import { chunkEvent, type ChunkContext } from './context';
import { extractSegment } from './segment';
import { classifyChunks, type ChunkDecision } from './decide';
import { buildManifest, type ChunkRecord } from './manifest-builder';
import type { ExtractManifest } from './manifest';
import { runPool } from './pool';
import { isLiveWindow, planWindows } from './windows';

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
}

interface RunControl {
  readonly controller: AbortController;
  readonly breaker: CircuitBreaker;
  stopError?: BackfillError;
  readonly records: Map<number, ChunkRecord>;
}

async function openRun(deps: ExtractDeps, vars: RunVariables): Promise<RunState> {
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
  );
}

function segmentWorker(ctx: ChunkContext, control: RunControl) {
  return async (segment: readonly ChunkState[]): Promise<void> => {
    if (control.stopError) return;
    try {
      const outcomes = await extractSegment(ctx, segment);
      control.breaker.recordSuccess();
      for (const [i, outcome] of outcomes.entries()) control.records.set(outcome.chunk.index, { chunk: segment[i]!, status: 'extracted', outcome });
    } catch (e) {
      const err = e as BackfillError;
      for (const chunk of segment) control.records.set(chunk.index, { chunk, status: 'failed', error: err });
      if (control.stopError) return;
      if (isAuthError(err) || isConfigError(err)) control.stopError = err;
      else if (control.breaker.recordFailure()) control.stopError = breakerError(control.breaker, segment[0]!, err);
      if (control.stopError) control.controller.abort(control.stopError);
    }
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

function breakerError(breaker: CircuitBreaker, chunk: ChunkState, last: BackfillError): FatalError {
  return new FatalError(
    `Circuit breaker open: ${breaker.consecutiveFailures} consecutive chunks failed; the run was stopped. Last failure, ` +
      `chunk ${chunk.index} [${chunk.windowStart.toISOString()}, ${chunk.windowEnd.toISOString()}): ${last.message} ` +
      'Fix the cause, then re-run with resume=true: finished chunks are skipped.',
    { code: 'CIRCUIT_OPEN', context: { chunk_index: chunk.index, last_code: last.code } },
  );
}

function runFailure(records: Iterable<ChunkRecord>, total: number): FatalError | undefined {
  const failed = [...records].filter((r) => r.status === 'failed');
  if (failed.length === 0) return undefined;
  const first = failed[0]!;
  return new FatalError(
    `${failed.length} of ${total} chunks failed; first, chunk ${first.chunk.index}: ${first.error?.message ?? 'unknown error'} ` +
      'Re-run with resume=true to retry only the failed chunks.',
    { code: 'CHUNKS_FAILED', context: { failed: failed.map((r) => r.chunk.index) } },
  );
}

/** Runs the extraction and returns the manifest; throws (after marking the run failed) when a chunk failed. */
export async function extractRun(deps: ExtractDeps, vars: RunVariables): Promise<ExtractManifest> {
  const clock = deps.clock ?? systemClock;
  const emit = deps.emit ?? nullSink;
  const startedAt = clock.now();
  const entity = entityDefinition(vars.entity);
  const mapping = dateFieldMapping(entity, vars.dateField);
  await deps.auth.accessToken(deps.signal);
  const run = await openRun(deps, vars);
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
  };
  const decisions: ChunkDecision[] = await classifyChunks(run.chunks);
  for (const d of decisions.filter((x) => x.skip)) {
    control.records.set(d.chunk.index, { chunk: d.chunk, status: d.skip!, footer: d.footer });
    emit({ ...chunkEvent(ctx, d.chunk, 'skipped'), reason: d.reason });
  }
  const todo = decisions.filter((d) => !d.skip).map((d) => d.chunk);
  const worker = segmentWorker(ctx, control);
  const stopped = () => control.stopError !== undefined || signal.aborted;
  const historical = todo.filter((c) => !isLiveWindow(c, startedAt)).map((c) => [c]);
  await runPool(historical, deps.concurrency, worker, stopped);
  await runPool(contiguous(todo.filter((c) => isLiveWindow(c, startedAt))), 1, worker, stopped);
  const failure = control.stopError ?? runFailure(control.records.values(), run.chunks.length);
  if (failure) {
    await deps.ledger.setRunStatus(run.runId, 'failed', { error: failure });
    throw failure;
  }
  const manifest = buildManifest({ run, vars, spoolDir: deps.spoolDir, records: control.records, durationMs: clock.now() - startedAt });
  await deps.ledger.setRunStatus(run.runId, 'extracted', { metrics: { extract: manifest.totals } });
  return manifest;
}
