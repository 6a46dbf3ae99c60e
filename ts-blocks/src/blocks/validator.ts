/**
 * Mage block entry point: validator, the last block of each pipeline. Protocol: blocks/harness.ts.
 * stdin: {"vars": {idempotency_chunks?, volumetry_*?}, "secrets": {DATABASE_URL | PG_*},
 *         "upstream": <exporter output {run_id, entity, ...}>}
 * It runs every validation of the run (results in ops.validation_results, one `validation` event each), marks the
 * run succeeded or failed, writes the reports under evidencias/<entity>/ (QBO_EVIDENCE_DIR overrides), and logs
 * the summary table line by line so Mage's block log shows it. A failed check fails the block (exit 4): the
 * Mage run fails; warnings are logged and returned.
 * result summary: {run_id, entity, status, validation: {ok, warning, failure}, failures[], warnings[], report{...}, totals}
 */
import { readDbSettings } from '../config/db-settings';
import { lookupFrom } from '../config/sources';
import { DataError, toBackfillError } from '../core/errors';
import type { Entity, EventSink } from '../core/events';
import { openDatabase, type Database } from '../pipeline/database';
import { upstreamRun } from '../pipeline/manifest';
import { reportRun, type ReportOutcome } from '../report/command';
import { evidenceDir } from '../report/write';
import { pruneEarlierSpools } from '../spool/prune';
import { validationOptionsFromVars } from '../validate/options';
import { validateRun, type ValidationSummary } from '../validate/validate-run';
import { main, type BlockContext } from './harness';

function failureError(v: ValidationSummary, reportDir: string | undefined): DataError {
  const failed = v.results.filter((r) => r.severity === 'failure');
  return new DataError(
    `Validation of run ${v.run_id} (${v.entity}) failed ${failed.length} check(s): ` +
      `${failed.map((r) => `${r.check}: ${r.message}`).join(' | ')}${reportDir ? ` Report: ${reportDir}` : ''}`,
    { code: 'VALIDATION_FAILED', context: { run_id: v.run_id, entity: v.entity, checks: failed.map((r) => r.check) } },
  );
}

/**
 * Mage's log viewer is HTML and collapses runs of spaces; padding runs become no-break spaces so the summary table
 * keeps its columns there (and in any other viewer).
 */
export function keepAlignment(line: string): string {
  return line.replace(/ {2,}/g, (run) => '\u00a0'.repeat(run.length)) || '\u00a0';
}

async function writeReport(db: Database, v: ValidationSummary, emit: EventSink, outDir: string): Promise<ReportOutcome | undefined> {
  const { run_id: runId, entity } = v;
  try {
    const outcome = await reportRun(db.pool, runId, { outDir, days: v.days, tableRows: v.table_rows });
    for (const line of outcome.lines) emit({ type: 'log', level: 'info', phase: 'report', entity, message: keepAlignment(line) });
    emit({ type: 'log', level: 'info', phase: 'report', entity, code: 'REPORT_WRITTEN',
      message: `Report of run ${runId}: ${outcome.paths.markdown} (also report.json, report.html)`,
      tags: { run_id: runId, report_dir: outcome.paths.dir } });
    return outcome;
  } catch (e) {
    const err = toBackfillError(e);
    emit({ type: 'log', level: 'warn', phase: 'report', entity, code: err.code, message: `The report of run ${runId} was not written: ${err.message}` });
    return undefined;
  }
}

/** After a run succeeded: the spool files of the entity's earlier finished runs go (spool/prune.ts); never fatal. */
async function pruneSpools(db: Database, runId: string, entity: Entity, emit: EventSink): Promise<void> {
  try {
    const pruned = await pruneEarlierSpools(db.pool, runId);
    if (pruned.files === 0) return;
    emit({ type: 'log', level: 'info', phase: 'report', entity, code: 'SPOOL_PRUNED',
      message: `Removed ${pruned.files} spool file(s) (${(pruned.bytes / 1048576).toFixed(1)} MiB) of ${pruned.runs} earlier finished run(s) of ${entity}.`,
      tags: { run_id: runId, files: pruned.files, bytes: pruned.bytes, runs: pruned.runs } });
  } catch (e) {
    const err = toBackfillError(e);
    emit({ type: 'log', level: 'warn', phase: 'report', entity, code: err.code, message: `Earlier spool files were not removed: ${err.message}` });
  }
}

/** Where the block's time went: each check, the whole validation, the report files, the block (database open to end). */
function blockTimings(v: ValidationSummary, reportMs: number, blockMs: number): Record<string, number> {
  const ms = (x: number) => Math.round(x * 10) / 10;
  return {
    ...Object.fromEntries(v.timings.checks.map((c) => [c.check, c.ms])),
    validation: v.timings.total_ms,
    report: ms(reportMs),
    block: ms(blockMs),
  };
}

export async function validatorBody(ctx: BlockContext, env: NodeJS.ProcessEnv = process.env): Promise<Record<string, unknown>> {
  const { runId, entity } = upstreamRun(ctx.input.upstream);
  const options = validationOptionsFromVars(ctx.input.vars);
  const settings = readDbSettings(lookupFrom({ secrets: ctx.input.secrets, env }));
  const started = performance.now();
  const db = await openDatabase(settings, { applicationName: `qbo-backfill validator ${entity}` });
  try {
    const v = await validateRun(db.pool, runId, options, { emit: ctx.emit });
    const failure = v.passed ? undefined : failureError(v, undefined);
    await db.ledger.setRunStatus(runId, v.passed ? 'succeeded' : 'failed', { ...(failure ? { error: failure } : {}), metrics: { validation: v.counts } });
    const reportStarted = performance.now();
    const outcome = await writeReport(db, v, ctx.emit, evidenceDir(env));
    const reportMs = performance.now() - reportStarted;
    if (!v.passed) throw failureError(v, outcome?.paths.dir);
    await pruneSpools(db, runId, entity, ctx.emit);
    const pick = (severity: 'warning' | 'failure') => v.results.filter((r) => r.severity === severity).map((r) => ({ check: r.check, message: r.message }));
    return {
      run_id: runId,
      entity,
      status: v.counts.warning > 0 ? 'passed_with_warnings' : 'passed',
      validation: v.counts,
      failures: pick('failure'),
      warnings: pick('warning'),
      ...(outcome
        ? { report: { dir: outcome.paths.dir, markdown: outcome.paths.markdown, json: outcome.paths.json, html: outcome.paths.html }, totals: outcome.report.totals }
        : {}),
      timings_ms: blockTimings(v, reportMs, performance.now() - started),
    };
  } finally {
    await db.close();
  }
}

if (require.main === module) main((ctx) => validatorBody(ctx));
