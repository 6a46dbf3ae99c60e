/**
 * Dispatches a parsed command; turns every failure into one message on stderr and the matching exit code. With
 * --json the failure also ends stdout as an `error` event, so the last stdout line is always a result or an error.
 */
import { toBackfillError, type BackfillError } from '../core/errors';
import { sanitize, sanitizeValue } from '../core/sanitize';
import { parseCommand, type Command } from './args';
import { dbInitCommand } from './db-command';
import { EXIT_CODES, EXIT_OK } from './exit-codes';
import { writeLine, type CliIo } from './io';
import { reportCommand } from './report-command';
import { runCommand } from './run-command';
import { commandHelp, USAGE, type HelpTopic } from './usage';
import { versionLine } from './version';

/** Errors in what the operator typed: the help follows the message. */
const USAGE_CODES = new Set(['CLI_USAGE', 'CONFIG_INVALID_VARIABLE']);

async function dispatch(command: Command, io: CliIo): Promise<number> {
  switch (command.command) {
    case 'help':
      writeLine(io.stdout, command.topic ? commandHelp(command.topic) : USAGE);
      return EXIT_OK;
    case 'version':
      writeLine(io.stdout, versionLine());
      return EXIT_OK;
    case 'db-init':
      return dbInitCommand(io);
    case 'run':
      return runCommand(command, io);
    case 'report':
      return reportCommand(command, io);
  }
}

/** The help to print after a usage error: the command's own, else the overview. */
function helpFor(err: BackfillError): string {
  const topic = err.context?.help ?? (err.code === 'CONFIG_INVALID_VARIABLE' ? 'run' : undefined);
  return typeof topic === 'string' ? commandHelp(topic as HelpTopic) : USAGE;
}

/** The NDJSON `error` event of a failure (the same shape as the block entry points'). */
function errorEventLine(err: BackfillError): string {
  return JSON.stringify(sanitizeValue({ type: 'error', error: err.toJSON() }));
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(parseCommand(argv), io);
  } catch (e) {
    const err = toBackfillError(e);
    writeLine(io.stderr, `error: ${sanitize(err.message)}`);
    if (USAGE_CODES.has(err.code)) writeLine(io.stderr, `\n${helpFor(err)}`);
    // The flag itself may be what failed to parse: any --json on the line asks for machine-readable output.
    if (argv.includes('--json')) writeLine(io.stdout, errorEventLine(err));
    return EXIT_CODES[err.kind];
  }
}
