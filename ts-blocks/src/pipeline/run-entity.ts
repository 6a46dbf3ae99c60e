/**
 * The in-process pipeline the CLI runs for each entity: loader → exporter → validator, through the same
 * functions the Mage blocks call (extractRun, exportRun, and the validator block's body, which validates, marks
 * the run succeeded or failed and writes the reports), so a CLI run and a Mage run of the same variables behave
 * the same and share the ledger: either can resume the other's unfinished run. The run stays locked for this
 * process from the moment extraction opens it until loading ends (no gap another process could slip into).
 */
import { performance } from 'node:perf_hooks';
import { isDataError } from '../core/errors';
import type { Entity } from '../core/events';
import type { RunVariables } from '../config/variables';
import { validatorBody } from '../blocks/validator';
import type { ManifestTotals } from '../extract/manifest';
import { extractRun } from '../extract/run';
import { heldRunLocks, type RunLocks } from '../ledger/run-lock';
import type { BackfillContext } from './context';
import { exportRun, type ExportSummary } from './export-run';
import { preStager } from '../store/pre-stage';

export interface ValidationCounts {
  readonly ok: number;
  readonly warning: number;
  readonly failure: number;
}

export interface EntityRunSummary {
  readonly entity: Entity;
  readonly run_id: string;
  readonly resumed: boolean;
  readonly status: 'succeeded' | 'failed';
  readonly extract: ManifestTotals;
  readonly load: Pick<ExportSummary, 'chunks_loaded' | 'chunks_skipped' | 'totals' | 'deleted'>;
  readonly validation: ValidationCounts & { readonly passed: boolean };
  readonly duration_ms: number;
  /** Where the run's report files were written (evidencias/<entity>/), when they could be. */
  readonly report_dir?: string;
  /** Why the run failed validation. */
  readonly error?: string;
}

interface ValidationOutcome {
  readonly counts: ValidationCounts;
  readonly passed: boolean;
  readonly reportDir?: string;
  readonly error?: string;
}

/** Runs the validator block's body in process; a failed check comes back as an outcome, not an exception. */
async function validate(ctx: BackfillContext, runId: string, entity: Entity): Promise<ValidationOutcome> {
  const blockCtx = {
    input: { vars: { entity }, secrets: {}, upstream: { run_id: runId, entity } },
    emit: ctx.emit,
    signal: ctx.signal ?? new AbortController().signal,
  };
  try {
    const summary = (await validatorBody(blockCtx, ctx.env)) as { validation: ValidationCounts; report?: { dir: string } };
    return { counts: summary.validation, passed: true, ...(summary.report ? { reportDir: summary.report.dir } : {}) };
  } catch (e) {
    if (!isDataError(e) || e.code !== 'VALIDATION_FAILED') throw e;
    const run = await ctx.db.ledger.getRunDetail(runId);
    const counts = (run.metrics.validation ?? { ok: 0, warning: 0, failure: 1 }) as ValidationCounts;
    const report = / Report: (\S+)$/.exec(e.message)?.[1];
    return { counts, passed: false, error: e.message, ...(report ? { reportDir: report } : {}) };
  }
}

/** Runs one entity end to end. Throws what stopped extraction or loading; a failed validation is returned. */
export async function runEntity(ctx: BackfillContext, vars: RunVariables): Promise<EntityRunSummary> {
  const now = ctx.now ?? (() => performance.now());
  const started = now();
  const locks = heldRunLocks(ctx.db.runLocks);
  try {
    return await runLocked(ctx, vars, locks, started, now);
  } finally {
    await locks.releaseAll();
  }
}

async function runLocked(ctx: BackfillContext, vars: RunVariables, locks: RunLocks, started: number, now: () => number): Promise<EntityRunSummary> {
  const { db, stack, settings, emit, signal } = ctx;
  const manifest = await extractRun(
    {
      ledger: db.ledger,
      client: stack.client,
      auth: stack.auth,
      spoolDir: settings.spoolDir,
      concurrency: settings.limits.maxInFlight,
      breakerThreshold: settings.limits.breakerThreshold,
      origin: ctx.origin,
      ...(ctx.originRef === undefined ? {} : { originRef: ctx.originRef }),
      emit,
      ...(ctx.clock === undefined ? {} : { clock: ctx.clock }),
      ...(signal === undefined ? {} : { signal }),
      runLocks: locks,
      deletions: db.deletions,
      stager: preStager(db.pool, emit, vars.entity),
    },
    vars,
  );
  const loaded = await exportRun({ pool: db.pool, ledger: db.ledger, emit, signal, runLocks: locks }, manifest.run_id, vars.entity);
  const validation = await validate(ctx, manifest.run_id, vars.entity);
  return {
    entity: vars.entity,
    run_id: manifest.run_id,
    resumed: manifest.resumed,
    status: validation.passed ? 'succeeded' : 'failed',
    extract: manifest.totals,
    load: { chunks_loaded: loaded.chunks_loaded, chunks_skipped: loaded.chunks_skipped, totals: loaded.totals, deleted: loaded.deleted },
    validation: { ...validation.counts, passed: validation.passed },
    duration_ms: Math.round(now() - started),
    ...(validation.reportDir === undefined ? {} : { report_dir: validation.reportDir }),
    ...(validation.error === undefined ? {} : { error: validation.error }),
  };
}
