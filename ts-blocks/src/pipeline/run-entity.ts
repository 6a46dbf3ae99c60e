/**
 * The in-process pipeline the CLI runs for each entity: loader → exporter → validator, through the same
 * functions the Mage blocks call (extractRun, exportRun, validateRun), so a CLI run and a Mage run of the same
 * variables behave the same and share the ledger: either can resume the other's unfinished run.
 */
import { performance } from 'node:perf_hooks';
import { DataError, toBackfillError, type BackfillError } from '../core/errors';
import type { Entity } from '../core/events';
import type { RunVariables } from '../config/variables';
import type { ManifestTotals } from '../extract/manifest';
import { extractRun } from '../extract/run';
import { reportRun } from '../report/command';
import { validateRun, type ValidationSummary } from '../validate/validate-run';
import type { BackfillContext } from './context';
import { exportRun, type ExportSummary } from './export-run';

export interface EntityRunSummary {
  readonly entity: Entity;
  readonly run_id: string;
  readonly resumed: boolean;
  readonly status: 'succeeded' | 'failed';
  readonly extract: ManifestTotals;
  readonly load: Pick<ExportSummary, 'chunks_loaded' | 'chunks_skipped' | 'totals'>;
  readonly validation: { readonly ok: number; readonly warning: number; readonly failure: number; readonly passed: boolean };
  readonly duration_ms: number;
  /** Where the run's report files were written (evidencias/<entity>/), when they could be. */
  readonly report_dir?: string;
}

function validationError(v: ValidationSummary): DataError {
  const failed = v.results.filter((r) => r.severity === 'failure');
  return new DataError(
    `Validation of run ${v.run_id} (${v.entity}) failed ${failed.length} check(s): ` +
      `${failed.map((r) => `${r.check}: ${r.message}`).join(' | ')}`,
    { code: 'VALIDATION_FAILED', context: { run_id: v.run_id, checks: failed.map((r) => r.check) } },
  );
}

/** Writes the run's report files; a failure to write them is a warning, not a reason to fail a loaded run. */
async function writeRunReport(ctx: BackfillContext, runId: string): Promise<string | undefined> {
  try {
    const outcome = await reportRun(ctx.db.pool, runId, ctx.evidenceDir === undefined ? {} : { outDir: ctx.evidenceDir });
    return outcome.paths.dir;
  } catch (e) {
    const err = toBackfillError(e);
    ctx.emit({ type: 'log', level: 'warn', phase: 'report', code: err.code, message: `The report of run ${runId} was not written: ${err.message}` });
    return undefined;
  }
}

/** Runs one entity end to end. Throws what stopped extraction or loading; a failed validation is returned. */
export async function runEntity(ctx: BackfillContext, vars: RunVariables): Promise<EntityRunSummary> {
  const now = ctx.now ?? (() => performance.now());
  const started = now();
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
    },
    vars,
  );
  const loaded = await exportRun({ pool: db.pool, ledger: db.ledger, emit, signal }, manifest.run_id, vars.entity);
  const validation = await validateRun(db.pool, manifest.run_id, {}, { emit });
  const failure: BackfillError | undefined = validation.passed ? undefined : validationError(validation);
  await db.ledger.setRunStatus(manifest.run_id, validation.passed ? 'succeeded' : 'failed', {
    ...(failure ? { error: failure } : {}),
    metrics: { validation: validation.counts },
  });
  const reportDir = await writeRunReport(ctx, manifest.run_id);
  return {
    entity: vars.entity,
    run_id: manifest.run_id,
    resumed: manifest.resumed,
    status: validation.passed ? 'succeeded' : 'failed',
    extract: manifest.totals,
    load: { chunks_loaded: loaded.chunks_loaded, chunks_skipped: loaded.chunks_skipped, totals: loaded.totals },
    validation: { ...validation.counts, passed: validation.passed },
    duration_ms: Math.round(now() - started),
    ...(reportDir === undefined ? {} : { report_dir: reportDir }),
  };
}
