/**
 * The exporter's work, shared by the Mage block (blocks/exporter.ts) and the CLI pipeline: load every chunk of a
 * run that is extracted but not yet loaded, consecutive chunks together in one transaction (store/load-chunk.ts;
 * see BATCH_ROWS), emitting a `chunk` event per chunk. Chunks already loaded (a resumed run) are skipped. When every chunk is loaded the run becomes
 * 'loaded' with its totals; a chunk that fails is marked failed (a resume re-extracts it) and fails the run.
 * With `runLocks`, the run is locked for this process while it is loaded; another process working it makes the
 * export fail at once (RUN_BUSY) before anything is loaded.
 */
import type { Pool } from 'pg';
import { DataError, FatalError, toBackfillError, type BackfillError } from '../core/errors';
import type { ChunkMetrics, Entity, EventSink } from '../core/events';
import type { LoadCounts, PgLedger } from '../ledger/pg-ledger';
import type { RunLocks } from '../ledger/run-lock';
import type { ChunkState, RunState } from '../ledger/types';
import type { SpooledRow } from '../spool/types';
import { loadChunk, loadChunks, type ChunkLoadOutcome, type ChunkSource } from '../store/load-chunk';
import { stagedChunks, type ChunkStaged } from '../store/load-staged';
import { dropStaged } from '../store/pre-stage';
import type { ChunkRows } from '../store/load-rows';
import type { ChunkLines } from '../store/load-lines';
import type { ChunkTarget } from '../store/staging-row';
import { runPool } from '../extract/pool';
import { chunkSpoolLines, chunkSpoolRows } from './spool-source';
import { applyDeletions } from '../store/apply-deletions';

/** Streams a chunk's spool rows (default: chunkSpoolRows, which checks the file belongs to the chunk). */
export type SpoolReader = (path: string, target: ChunkTarget) => AsyncIterable<SpooledRow>;

export interface ExportDeps {
  readonly pool: Pool;
  readonly ledger: PgLedger;
  readonly readSpool?: SpoolReader;
  readonly emit: EventSink;
  readonly now?: () => number;
  readonly signal?: AbortSignal;
  readonly runLocks?: RunLocks;
}

export interface ChunkExportSummary extends Partial<LoadCounts> {
  readonly chunk_index: number;
  readonly window_start_utc: string;
  readonly window_end_utc: string;
  /** loaded: by this export; skipped: loaded earlier; failed, not_extracted, not_loaded (after a failure): not loaded. */
  readonly status: 'loaded' | 'skipped' | 'failed' | 'not_extracted' | 'not_loaded';
  readonly load_ms?: number;
  /** Rows of the chunk's window marked deleted by this export. */
  readonly deleted?: number;
}

export interface ExportSummary {
  readonly run_id: string;
  readonly entity: Entity;
  readonly realm_id: string;
  readonly status: 'loaded' | 'failed';
  readonly chunks_loaded: number;
  readonly chunks_skipped: number;
  /** Chunks of those loaded whose lines the loader had staged in PostgreSQL (store/pre-stage.ts): no COPY needed. */
  readonly chunks_pre_staged: number;
  /** Counts of the chunks loaded by this export. */
  readonly totals: LoadCounts;
  /** Rows this export marked deleted (QBO confirmed them gone: store/apply-deletions.ts). */
  readonly deleted: number;
  readonly chunks: readonly ChunkExportSummary[];
}

/**
 * Consecutive chunks are loaded together, one transaction (one COPY, one merge) per batch of up to BATCH_ROWS rows
 * or BATCH_CHUNKS chunks: few commits and statements, and a bounded amount of work redone after a crash.
 */
export const BATCH_ROWS = 20_000;
export const BATCH_CHUNKS = 512;
export const SPLIT_ROWS = 4_000;
/**
 * Batches loaded at once, on their own connections: one copies its rows into staging while the other merges (the
 * raw table's lock is only taken for the merge), so Node's parsing and PostgreSQL's merging overlap.
 */
export const LOADS_AT_ONCE = 2;

const ZERO: LoadCounts = { rows_read: 0, rows_inserted: 0, rows_updated: 0, rows_unchanged: 0, rows_skipped: 0 };

function add(a: LoadCounts, b: LoadCounts): LoadCounts {
  return {
    rows_read: a.rows_read + b.rows_read,
    rows_inserted: a.rows_inserted + b.rows_inserted,
    rows_updated: a.rows_updated + b.rows_updated,
    rows_unchanged: a.rows_unchanged + b.rows_unchanged,
    rows_skipped: a.rows_skipped + b.rows_skipped,
  };
}

export function chunkTarget(run: RunState, chunk: ChunkState): ChunkTarget {
  return {
    runId: run.runId,
    entity: run.params.entity,
    realmId: run.params.realmId,
    dateField: run.params.dateField,
    chunkIndex: chunk.index,
    windowStart: chunk.windowStart,
    windowEnd: chunk.windowEnd,
  };
}

class RunExport {
  private totals = ZERO;
  private readonly chunks: ChunkExportSummary[] = [];
  private failure: BackfillError | undefined;
  private readonly started = new Set<number>();
  /** Chunks loaded from the lines the loader staged. */
  private preStaged = 0;

  constructor(private readonly deps: ExportDeps, private readonly run: RunState) {}

  private event(chunk: ChunkState, status: 'started' | 'done' | 'skipped' | 'failed', extra: { metrics?: Partial<ChunkMetrics>; reason?: string } = {}) {
    this.deps.emit({
      type: 'chunk',
      phase: 'load',
      entity: this.run.params.entity,
      run_id: this.run.runId,
      chunk_index: chunk.index,
      chunk_count: this.run.chunks.length,
      window_start_utc: chunk.windowStart.toISOString(),
      window_end_utc: chunk.windowEnd.toISOString(),
      status,
      ...extra,
    });
  }

  private record(chunk: ChunkState, status: ChunkExportSummary['status'], extra: Partial<ChunkExportSummary> = {}): void {
    this.chunks.push({
      chunk_index: chunk.index,
      window_start_utc: chunk.windowStart.toISOString(),
      window_end_utc: chunk.windowEnd.toISOString(),
      status,
      ...extra,
    });
  }

  async chunk(chunk: ChunkState): Promise<void> {
    if (chunk.status === 'loaded') {
      this.event(chunk, 'skipped', { reason: 'already loaded' });
      return this.record(chunk, 'skipped');
    }
    if (chunk.status !== 'extracted' || chunk.spoolPath === null) {
      this.event(chunk, 'skipped', { reason: `not extracted (${chunk.status})` });
      return this.record(chunk, 'not_extracted');
    }
    if (this.failure) return this.record(chunk, 'not_loaded');
    await this.load(chunk);
  }

  /** Chunks the exporter loads (extracted, with a spool file); the others are recorded by chunk(). */
  static loadable(chunk: ChunkState): boolean {
    return chunk.status === 'extracted' && chunk.spoolPath !== null;
  }

  /** A chunk's 'started' event, once. */
  private start(chunk: ChunkState): void {
    if (this.started.has(chunk.index)) return;
    this.started.add(chunk.index);
    this.event(chunk, 'started');
  }

  /** The chunk's rows; in a batch, its 'started' event goes out when they are opened (its turn in the COPY stream). */
  private rowsOf(chunk: ChunkState): ChunkRows {
    const readSpool = this.deps.readSpool ?? chunkSpoolRows;
    const target = chunkTarget(this.run, chunk);
    return {
      target,
      rows: () => {
        this.start(chunk);
        return readSpool(chunk.spoolPath ?? '', target);
      },
    };
  }

  private loaded(chunk: ChunkState, outcome: ChunkLoadOutcome): void {
    if (outcome.status === 'already_loaded') {
      this.event(chunk, 'skipped', { reason: 'already loaded' });
      return this.record(chunk, 'skipped');
    }
    this.totals = add(this.totals, outcome.counts);
    this.event(chunk, 'done', { metrics: { ...outcome.counts, duration_ms: Math.round(outcome.loadMs) } });
    this.record(chunk, 'loaded', { ...outcome.counts, load_ms: Math.round(outcome.loadMs) });
  }

  /** The chunk's spool record lines for the fast path; its 'started' event goes out when they are opened. */
  private linesOf(chunk: ChunkState): ChunkLines {
    const target = chunkTarget(this.run, chunk);
    return {
      target,
      lines: () => {
        this.start(chunk);
        return chunkSpoolLines(chunk.spoolPath ?? '', target);
      },
    };
  }

  /**
   * The chunks as staged by the loader (store/load-staged.ts), when every one of them has staged lines matching
   * its spool file now; their 'started' events go out here.
   */
  private async stagedOf(chunks: readonly ChunkState[]): Promise<ChunkStaged[] | undefined> {
    const staged = await stagedChunks(this.deps.pool, this.run.runId, new Map(chunks.map((c) => [c.index, c.spoolPath ?? ''])));
    if (staged.size < chunks.length) return undefined;
    for (const chunk of chunks) this.start(chunk);
    return chunks.map((c) => ({ target: chunkTarget(this.run, c), staged: { lines: staged.get(c.index)! } }));
  }

  /**
   * Loads consecutive loadable chunks in one transaction: from the lines the loader staged when they match the spool
   * files (store/load-staged.ts), else from the spool lines (PostgreSQL parses and checks the records:
   * store/load-lines.ts). If a load fails nothing of it was committed: staged lines give way to the spool lines, and
   * those to loading the chunks again one per transaction, row by row, so the one at fault is found and marked failed
   * (its error naming the bad record or file) and those before it load. With an injected spool reader, chunks are
   * only loaded row by row.
   */
  async batch(chunks: readonly ChunkState[]): Promise<void> {
    if (chunks.length === 0) return;
    if (this.failure || this.deps.readSpool) {
      for (const chunk of chunks) await this.chunk(chunk);
      return;
    }
    const load = (sources: readonly ChunkSource[]) => loadChunks(this.deps.pool, this.deps.ledger, sources, { now: this.deps.now });
    let outcomes: ChunkLoadOutcome[] | undefined;
    const staged = await this.stagedOf(chunks).catch(() => undefined);
    if (staged) {
      outcomes = await load(staged).catch((e: unknown) => {
        this.deps.emit({
          type: 'log', level: 'info', phase: 'load', entity: this.run.params.entity, code: 'PRE_STAGED_NOT_USED',
          message: `Chunks ${chunks[0]!.index}-${chunks[chunks.length - 1]!.index} of run ${this.run.runId}: the staged lines ` +
            `were not used (${toBackfillError(e).message}); copying them from the spool files.`,
          tags: { run_id: this.run.runId },
        });
        return undefined;
      });
      if (outcomes) this.preStaged += outcomes.filter((o) => o.status === 'loaded').length;
    }
    try {
      outcomes ??= await load(chunks.map((c) => this.linesOf(c)));
    } catch {
      for (const chunk of chunks) await this.chunk(chunk);
      return;
    }
    for (const [i, outcome] of outcomes.entries()) this.loaded(chunks[i]!, outcome);
  }

  private async load(chunk: ChunkState): Promise<void> {
    const { pool, ledger, now } = this.deps;
    const source = this.rowsOf(chunk);
    this.start(chunk);
    try {
      this.loaded(chunk, await loadChunk(pool, ledger, source.target, source.rows, { now }));
    } catch (e) {
      const err = toBackfillError(e);
      this.failure = err;
      await ledger.chunkFailed(this.run.runId, chunk.index, err).catch(() => undefined);
      this.event(chunk, 'failed', { reason: err.message });
      this.record(chunk, 'failed');
    }
  }

  interrupted(): void {
    this.failure ??= new FatalError('The export was interrupted; re-run with the same parameters to resume where it stopped.', {
      code: 'EXPORT_INTERRUPTED',
      context: { run_id: this.run.runId },
    });
  }

  async finish(): Promise<ExportSummary> {
    this.chunks.sort((a, b) => a.chunk_index - b.chunk_index);
    const loadedNow = this.chunks.filter((c) => c.status === 'loaded').length;
    const skipped = this.chunks.filter((c) => c.status === 'skipped').length;
    const missing = this.chunks.filter((c) => c.status !== 'loaded' && c.status !== 'skipped').map((c) => c.chunk_index);
    const deleted = missing.length === 0 ? await this.markDeleted() : 0;
    const summary: ExportSummary = {
      run_id: this.run.runId,
      entity: this.run.params.entity,
      realm_id: this.run.params.realmId,
      status: missing.length === 0 ? 'loaded' : 'failed',
      chunks_loaded: loadedNow,
      chunks_skipped: skipped,
      chunks_pre_staged: this.preStaged,
      totals: this.totals,
      deleted,
      chunks: this.chunks,
    };
    if (loadedNow > 0) {
      this.deps.emit({
        type: 'log', level: 'info', phase: 'load', entity: this.run.params.entity, code: 'CHUNKS_PRE_STAGED',
        message: `Run ${this.run.runId}: ${this.preStaged} of ${loadedNow} chunk(s) loaded from the lines the loader staged, ` +
          `${loadedNow - this.preStaged} copied from their spool files.`,
        tags: { run_id: this.run.runId, pre_staged: this.preStaged, loaded: loadedNow },
      });
    }
    if (missing.length === 0) {
      await dropStaged(this.deps.pool, [this.run.runId]);
      await this.deps.ledger.setRunStatus(this.run.runId, 'loaded', { metrics: await this.runTotals() });
      return summary;
    }
    const error = this.failure ?? notExtracted(this.run, missing);
    await this.deps.ledger.setRunStatus(this.run.runId, 'failed', { error, metrics: await this.runTotals() }).catch(() => undefined);
    throw error;
  }

  /**
   * Every chunk is loaded: the rows QBO confirmed deleted are marked (after the loads, so a record read before it was
   * deleted ends up marked too); each chunk's figure joins its summary line and a log line tells the total.
   */
  private async markDeleted(): Promise<number> {
    const applied = await applyDeletions(this.deps.pool, this.run);
    for (const [i, c] of this.chunks.entries()) this.chunks[i] = { ...c, deleted: applied.byChunk.get(c.chunk_index) ?? 0 };
    this.deps.emit({
      type: 'log', level: applied.marked > 0 ? 'warn' : 'info', phase: 'load', entity: this.run.params.entity, code: 'ROWS_MARKED_DELETED',
      message: `Run ${this.run.runId}: ${applied.marked} ${this.run.params.entity} marked deleted in raw (QBO confirmed them gone).`,
      tags: { run_id: this.run.runId, deleted: applied.marked },
    });
    return applied.marked;
  }

  /** Totals over every chunk of the run (this export and earlier ones), stored as the run's metrics. */
  private async runTotals(): Promise<Record<string, number>> {
    const detail = await this.deps.ledger.getRunDetail(this.run.runId);
    const sum = (k: keyof ChunkMetrics) => detail.chunks.reduce((s, c) => s + Number(c.metrics[k] ?? 0), 0);
    return {
      chunks: detail.chunks.length,
      chunks_loaded: detail.chunks.filter((c) => c.status === 'loaded').length,
      pages_read: sum('pages_read'),
      rows_read: sum('rows_read'),
      rows_inserted: sum('rows_inserted'),
      rows_updated: sum('rows_updated'),
      rows_unchanged: sum('rows_unchanged'),
      rows_skipped: sum('rows_skipped'),
      deleted: sum('deleted'),
      api_calls: sum('api_calls'),
      retries: sum('retries'),
      throttled: sum('throttled'),
    };
  }
}

function notExtracted(run: RunState, missing: readonly number[]): DataError {
  return new DataError(
    `Run ${run.runId} (${run.params.entity}): chunk(s) ${missing.join(', ')} were not extracted, so they could not be ` +
      'loaded. Re-run with the same parameters to resume: loaded chunks are skipped, the rest extracted again.',
    { code: 'EXPORT_CHUNKS_NOT_EXTRACTED', context: { run_id: run.runId, chunks: [...missing] } },
  );
}

/** Loads every extracted, not yet loaded chunk of `runId` (see the file comment). */
export async function exportRun(deps: ExportDeps, runId: string, expectedEntity?: Entity): Promise<ExportSummary> {
  const lock = await deps.runLocks?.acquire(runId);
  try {
    return await exportLocked(deps, runId, expectedEntity);
  } finally {
    await lock?.release();
  }
}

async function exportLocked(deps: ExportDeps, runId: string, expectedEntity?: Entity): Promise<ExportSummary> {
  const run = await deps.ledger.getRun(runId);
  if (expectedEntity !== undefined && run.params.entity !== expectedEntity) {
    throw new DataError(`Run ${runId} is a ${run.params.entity} run, not ${expectedEntity}: the exporter got another pipeline's output.`, {
      code: 'EXPORT_ENTITY_MISMATCH',
      context: { run_id: runId },
    });
  }
  const work = new RunExport(deps, run);
  for (const chunk of run.chunks) if (!RunExport.loadable(chunk)) await work.chunk(chunk);
  const batches = planBatches(run.chunks.filter((c) => RunExport.loadable(c)), await chunkRowCounts(deps.ledger, runId));
  await runPool(batches, LOADS_AT_ONCE, async (batch) => {
    if (deps.signal?.aborted) work.interrupted();
    await work.batch(batch);
  }, () => false);
  return work.finish();
}

/**
 * Consecutive loadable chunks cut into batches, in order: of up to BATCH_ROWS rows or BATCH_CHUNKS chunks, and of
 * even size otherwise (a multiple of LOADS_AT_ONCE of them), so the loads running at once finish together rather
 * than leaving one to run the last batch alone. Fewer than SPLIT_ROWS rows are not worth a second load.
 */
export function planBatches(chunks: readonly ChunkState[], rows: ReadonlyMap<number, number>): ChunkState[][] {
  const total = chunks.reduce((sum, c) => sum + (rows.get(c.index) ?? 0), 0);
  const count = total < SPLIT_ROWS ? 1 : LOADS_AT_ONCE * Math.ceil(total / (LOADS_AT_ONCE * BATCH_ROWS));
  const target = Math.max(1, Math.ceil(total / count));
  const batches: ChunkState[][] = [];
  let batch: ChunkState[] = [];
  let batchRows = 0;
  for (const chunk of chunks) {
    const last = batch[batch.length - 1];
    if (last && last.index + 1 !== chunk.index) {
      batches.push(batch);
      [batch, batchRows] = [[], 0];
    }
    batch.push(chunk);
    batchRows += rows.get(chunk.index) ?? 0;
    if (batchRows >= target || batch.length >= BATCH_CHUNKS) {
      batches.push(batch);
      [batch, batchRows] = [[], 0];
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** Rows each chunk's spool holds, from the ledger (what the loader counted). */
async function chunkRowCounts(ledger: PgLedger, runId: string): Promise<Map<number, number>> {
  const detail = await ledger.getRunDetail(runId);
  return new Map(detail.chunks.map((c) => [c.index, Number(c.metrics.rows_read ?? 0)]));
}
