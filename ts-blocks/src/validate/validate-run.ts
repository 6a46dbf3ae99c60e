/**
 * `validateRun`: every check of one run, in order; results stored in ops.validation_results and emitted as
 * `validation` events. It does not throw on failed checks — the caller decides (the validator block fails the
 * Mage run when `failures > 0`). A check that cannot run at all (e.g. the database went away) becomes a failure
 * result naming the check, so the other checks and the reports still happen.
 * Collaborators default to the exporter's spool reader and loader (./reload.ts); tests inject their own.
 */
import type { Pool } from 'pg';
import { toBackfillError } from '../core/errors';
import { nullSink, type Entity, type EventSink } from '../core/events';
import { checkCoverage } from './checks/coverage';
import { checkIdempotency } from './checks/idempotency';
import { checkPrimaryKey } from './checks/primary-key';
import { checkSourceCounts } from './checks/source-counts';
import { checkSourceFidelity } from './checks/source-fidelity';
import { checkRecordsInWindow, checkTimestamps } from './checks/timestamps';
import { checkVolumetry } from './checks/volumetry';
import type { ValidatorDeps } from './deps';
import { validationOptions, type ValidationOptions } from './options';
import { saveResults } from './results-store';
import { DEFAULT_VALIDATOR_DEPS } from './reload';
import { loadRunInfo } from './run-info';
import type { CheckResult, RunInfo } from './types';

export interface ValidationSummary {
  readonly run_id: string;
  readonly entity: Entity;
  readonly checked_at_utc: string;
  readonly results: readonly CheckResult[];
  readonly counts: { readonly ok: number; readonly warning: number; readonly failure: number };
  /** True when no check failed (warnings allowed). */
  readonly passed: boolean;
}

interface NamedCheck {
  readonly name: string;
  readonly run: () => Promise<CheckResult[]> | CheckResult[];
}

function checksFor(pool: Pool, run: RunInfo, o: ValidationOptions, deps: ValidatorDeps): NamedCheck[] {
  return [
    { name: 'chunk_coverage', run: () => checkCoverage(run) },
    { name: 'primary_key', run: () => checkPrimaryKey(pool, run) },
    { name: 'timestamps_utc', run: () => checkTimestamps(pool, run, o) },
    { name: 'records_in_window', run: () => checkRecordsInWindow(pool, run) },
    { name: 'source_count', run: () => checkSourceCounts(pool, run, deps) },
    { name: 'volumetry', run: () => checkVolumetry(pool, run, o) },
    { name: 'idempotency', run: () => checkIdempotency(pool, run, o, deps) },
    { name: 'source_fidelity', run: () => checkSourceFidelity(pool, run) },
  ];
}

async function runCheck(check: NamedCheck): Promise<CheckResult[]> {
  try {
    return await check.run();
  } catch (e) {
    const err = toBackfillError(e);
    return [{
      check: check.name,
      severity: 'failure',
      message: `The ${check.name} check could not run: ${err.message}`,
      details: { error: err.toJSON() },
    }];
  }
}

export async function validateRun(
  pool: Pool, runId: string, options: Partial<ValidationOptions> = {}, deps: ValidatorDeps = {},
): Promise<ValidationSummary> {
  const o = validationOptions(options);
  const collaborators: ValidatorDeps = { ...DEFAULT_VALIDATOR_DEPS, ...deps };
  const emit: EventSink = deps.emit ?? nullSink;
  const run = await loadRunInfo(pool, runId);
  emit({ type: 'log', level: 'info', phase: 'validate', entity: run.entity, code: 'VALIDATE_START',
    message: `Validating run ${run.runId} (${run.entity}, ${run.chunks.length} chunks, ${run.rangeStart.toISOString()} → ${run.rangeEnd.toISOString()})` });
  const results: CheckResult[] = [];
  for (const check of checksFor(pool, run, o, collaborators)) {
    for (const r of await runCheck(check)) {
      results.push(r);
      emit({ type: 'validation', entity: run.entity, run_id: run.runId, check: r.check, severity: r.severity, message: r.message, details: r.details });
    }
  }
  const checkedAt = await saveResults(pool, run.runId, run.entity, results);
  const counts = {
    ok: results.filter((r) => r.severity === 'ok').length,
    warning: results.filter((r) => r.severity === 'warning').length,
    failure: results.filter((r) => r.severity === 'failure').length,
  };
  emit({ type: 'log', level: counts.failure > 0 ? 'error' : counts.warning > 0 ? 'warn' : 'info', phase: 'validate', entity: run.entity,
    code: counts.failure > 0 ? 'VALIDATE_FAILED' : 'VALIDATE_DONE',
    message: `Validation of run ${run.runId}: ${counts.ok} ok, ${counts.warning} warning(s), ${counts.failure} failure(s)`,
    tags: { run_id: run.runId, ok: counts.ok, warnings: counts.warning, failures: counts.failure } });
  return { run_id: run.runId, entity: run.entity, checked_at_utc: checkedAt.toISOString(), results, counts, passed: counts.failure === 0 };
}
