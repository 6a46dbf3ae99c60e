/**
 * `qbo-backfill run`: validates every flag and setting before anything runs (one message naming the problem),
 * connects the database, then runs loader → exporter → validator per entity (pipeline/run-entity.ts).
 * Progress: bars and a summary table, or NDJSON events ending with a `result` or `error` line (--json).
 */
import { ConfigError, DataError, FatalError, isConfigError, toBackfillError, type BackfillError } from '../core/errors';
import { loadSettings } from '../config/settings';
import { parseVariables, type RunVariables } from '../config/variables';
import { openBackfillContext } from '../pipeline/context';
import { runEntity, type EntityRunSummary } from '../pipeline/run-entity';
import { inFlagTerms, type RunCommand } from './args';
import { loadEnv } from './env';
import { EXIT_CODES, EXIT_INTERRUPTED, EXIT_OK } from './exit-codes';
import { writeLine, type CliIo } from './io';
import { jsonRenderer, progressRenderer, type Renderer } from './render';
import { summaryTable } from './summary';

function variablesFor(cmd: RunCommand): RunVariables[] {
  try {
    return cmd.entities.map((entity) => parseVariables(cmd.variables, entity));
  } catch (e) {
    if (isConfigError(e)) throw new ConfigError(inFlagTerms(e.message), { code: e.code, context: e.context });
    throw e;
  }
}

async function runAll(
  vars: readonly RunVariables[],
  io: CliIo,
  renderer: Renderer,
): Promise<{ summaries: EntityRunSummary[]; failure?: BackfillError }> {
  const env = loadEnv(io.cwd, true);
  const settings = loadSettings({ env });
  const ctx = await openBackfillContext(settings, { emit: renderer.emit, origin: 'cli', signal: io.signal, env });
  const summaries: EntityRunSummary[] = [];
  try {
    for (const v of vars) {
      if (io.signal?.aborted) break;
      summaries.push(await runEntity(ctx, v));
    }
  } catch (e) {
    return { summaries, failure: io.signal?.aborted ? interrupted(io.signal) : toBackfillError(e) };
  } finally {
    await ctx.db.close().catch(() => undefined);
  }
  return { summaries };
}

/** What an operator's Ctrl-C stopped is not a failure of the source: say so, whatever the chunks reported. */
function interrupted(signal: AbortSignal): BackfillError {
  const name = signal.reason instanceof Error ? signal.reason.message : 'a signal';
  return new FatalError(`Interrupted by ${name}. Finished windows are kept: re-run the same command to resume.`, { code: 'INTERRUPTED' });
}

function exitCode(summaries: readonly EntityRunSummary[], failure: BackfillError | undefined): number {
  if (failure?.code === 'INTERRUPTED') return EXIT_INTERRUPTED;
  if (failure) return EXIT_CODES[failure.kind];
  return summaries.some((s) => s.status === 'failed') ? EXIT_CODES.data : EXIT_OK;
}

/** An entity whose validation failed fails the command (exit 4): with --json its last line is that error. */
function validationFailure(summaries: readonly EntityRunSummary[]): BackfillError | undefined {
  const failed = summaries.filter((s) => s.status === 'failed');
  if (failed.length === 0) return undefined;
  const message = failed.map((s) => s.error ?? `Validation of ${s.entity} failed.`).join(' ');
  return new DataError(message, { code: 'VALIDATION_FAILED', context: { entities: failed.map((s) => s.entity) } });
}

/** Bad variables throw before anything else happens (the caller prints the message and the usage). */
export async function runCommand(cmd: RunCommand, io: CliIo): Promise<number> {
  const vars = variablesFor(cmd);
  const renderer = cmd.json ? jsonRenderer(io.stdout) : progressRenderer(io.stderr);
  let outcome: { summaries: EntityRunSummary[]; failure?: BackfillError };
  try {
    outcome = await runAll(vars, io, renderer);
  } catch (e) {
    outcome = { summaries: [], failure: toBackfillError(e) };
  } finally {
    renderer.stop();
  }
  const { summaries, failure } = outcome;
  const code = exitCode(summaries, failure);
  if (cmd.json) {
    const failed = failure ?? validationFailure(summaries);
    if (failed) renderer.emit({ type: 'error', error: { ...failed.toJSON(), context: { ...failed.context, runs: summaries } } });
    else renderer.emit({ type: 'result', ok: true, summary: { runs: summaries } });
    return code;
  }
  if (summaries.length > 0) writeLine(io.stdout, summaryTable(summaries));
  const reports = [...new Set(summaries.flatMap((s) => (s.report_dir ? [s.report_dir] : [])))];
  if (reports.length > 0) writeLine(io.stdout, `\nReports: ${reports.join(', ')}`);
  if (failure) writeLine(io.stderr, `error: ${failure.message}`);
  for (const s of summaries) if (s.error) writeLine(io.stderr, `error: ${s.error}`);
  return code;
}
