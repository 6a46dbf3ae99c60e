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
import { sharedPayloadScan } from './checks/payload-scan';
import { checkPrimaryKey } from './checks/primary-key';
import { checkSourceCounts } from './checks/source-counts';
import { checkSourceFidelity } from './checks/source-fidelity';
import { checkRecordsInWindow, checkTimestamps } from './checks/timestamps';
import { checkVolumetry } from './checks/volumetry';
import { runPool } from '../extract/pool';
import type { DayCount } from './daily-volume';
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
  /** How long each check took, in the order they ran, and the whole validation (checks + storing results). */
  readonly timings: ValidationTimings;
  /** Records per day as the volumetry check counted them (undefined if it could not run): the report reuses them. */
  readonly days?: readonly DayCount[];
  /** Rows in the raw table as the primary_key check counted them (undefined if it could not run): the report reuses it. */
  readonly table_rows?: number;
}

export interface CheckTiming {
  readonly check: string;
  readonly ms: number;
}

export interface ValidationTimings {
  readonly checks: readonly CheckTiming[];
  readonly total_ms: number;
}

const roundMs = (ms: number) => Math.round(ms * 10) / 10;

interface NamedCheck {
  readonly name: string;
  readonly run: () => Promise<CheckResult[]> | CheckResult[];
  /** Started before the others (the longest), so it does not end the validation alone. */
  readonly startFirst?: boolean;
}

interface CheckOutcome {
  readonly found: CheckResult[];
  readonly ms: number;
}

interface Seen {
  days?: readonly DayCount[];
  tableRows?: number;
}

/**
 * primary_key and timestamps_utc share one read of the payloads (each payload decompressed once); that read and the
 * idempotency re-load are the longest checks, so they start first. Figures the report also needs land in `seen`.
 */
function checksFor(pool: Pool, run: RunInfo, o: ValidationOptions, deps: ValidatorDeps, seen: Seen): NamedCheck[] {
  const payloads = sharedPayloadScan(pool, run.entity, o.clockSkewMs);
  return [
    { name: 'chunk_coverage', run: () => checkCoverage(run) },
    { name: 'primary_key', run: () => checkPrimaryKey(pool, run, payloads, (n) => (seen.tableRows = n)), startFirst: true },
    { name: 'timestamps_utc', run: () => checkTimestamps(pool, run, o, payloads) },
    { name: 'records_in_window', run: () => checkRecordsInWindow(pool, run) },
    { name: 'source_count', run: () => checkSourceCounts(pool, run, deps) },
    { name: 'volumetry', run: () => checkVolumetry(pool, run, o, (d) => (seen.days = d)) },
    { name: 'idempotency', run: () => checkIdempotency(pool, run, o, deps), startFirst: true },
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

/**
 * Runs the checks `checksAtOnce` at a time (each on its own connection: PostgreSQL works them on several cores);
 * one promise per check, in the checks' order, so results and events keep that order whatever finishes first.
 */
function startChecks(checks: readonly NamedCheck[], checksAtOnce: number, now: () => number): Array<Promise<CheckOutcome>> {
  const settle = checks.map(() => ({} as { resolve?: (o: CheckOutcome) => void }));
  const outcomes = checks.map((_, i) => new Promise<CheckOutcome>((resolve) => (settle[i].resolve = resolve)));
  const order = checks.map((c, i) => ({ c, i })).sort((a, b) => Number(b.c.startFirst ?? false) - Number(a.c.startFirst ?? false));
  void runPool(order, checksAtOnce, async ({ c, i }) => {
    const started = now();
    const found = await runCheck(c);
    settle[i].resolve!({ found, ms: roundMs(now() - started) });
  }, () => false);
  return outcomes;
}

/** Each check's results and time, in the checks' order, emitted as they come: one event per result, one per time. */
async function gather(
  named: readonly NamedCheck[], outcomes: ReadonlyArray<Promise<CheckOutcome>>, run: RunInfo, emit: EventSink,
): Promise<{ results: CheckResult[]; checks: CheckTiming[] }> {
  const results: CheckResult[] = [];
  const checks: CheckTiming[] = [];
  for (const [i, check] of named.entries()) {
    const { found, ms } = await outcomes[i]!;
    checks.push({ check: check.name, ms });
    for (const r of found) {
      results.push(r);
      emit({ type: 'validation', entity: run.entity, run_id: run.runId, check: r.check, severity: r.severity, message: r.message, details: r.details });
    }
    emit({ type: 'log', level: 'info', phase: 'validate', entity: run.entity, code: 'VALIDATE_CHECK_TIMED',
      message: `Check ${check.name} of run ${run.runId} took ${ms} ms`, tags: { run_id: run.runId, check: check.name, ms } });
  }
  return { results, checks };
}

export async function validateRun(
  pool: Pool, runId: string, options: Partial<ValidationOptions> = {}, deps: ValidatorDeps = {},
): Promise<ValidationSummary> {
  const o = validationOptions(options);
  const collaborators: ValidatorDeps = { ...DEFAULT_VALIDATOR_DEPS, ...deps };
  const emit: EventSink = deps.emit ?? nullSink;
  const now = deps.now ?? (() => performance.now());
  const started = now();
  const run = await loadRunInfo(pool, runId);
  emit({ type: 'log', level: 'info', phase: 'validate', entity: run.entity, code: 'VALIDATE_START',
    message: `Validating run ${run.runId} (${run.entity}, ${run.chunks.length} chunks, ${run.rangeStart.toISOString()} → ${run.rangeEnd.toISOString()})` });
  const seen: Seen = {};
  const named = checksFor(pool, run, o, collaborators, seen);
  const { results, checks } = await gather(named, startChecks(named, o.checksAtOnce, now), run, emit);
  const checkedAt = await saveResults(pool, run.runId, run.entity, results);
  const timings: ValidationTimings = { checks, total_ms: roundMs(now() - started) };
  const counts = {
    ok: results.filter((r) => r.severity === 'ok').length,
    warning: results.filter((r) => r.severity === 'warning').length,
    failure: results.filter((r) => r.severity === 'failure').length,
  };
  emit({ type: 'log', level: counts.failure > 0 ? 'error' : counts.warning > 0 ? 'warn' : 'info', phase: 'validate', entity: run.entity,
    code: counts.failure > 0 ? 'VALIDATE_FAILED' : 'VALIDATE_DONE',
    message: `Validation of run ${run.runId}: ${counts.ok} ok, ${counts.warning} warning(s), ${counts.failure} failure(s) in ${timings.total_ms} ms`,
    tags: { run_id: run.runId, ok: counts.ok, warnings: counts.warning, failures: counts.failure, ms: timings.total_ms } });
  return { run_id: run.runId, entity: run.entity, checked_at_utc: checkedAt.toISOString(), results, counts, passed: counts.failure === 0, timings,
    ...(seen.days ? { days: seen.days } : {}), ...(seen.tableRows !== undefined ? { table_rows: seen.tableRows } : {}) };
}
