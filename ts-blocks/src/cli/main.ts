/** Dispatches a parsed command; turns every failure into one message on stderr and the matching exit code. */
import { toBackfillError } from '../core/errors';
import { sanitize } from '../core/sanitize';
import { parseCommand, USAGE, type Command } from './args';
import { dbInitCommand } from './db-command';
import { EXIT_CODES, EXIT_OK } from './exit-codes';
import { writeLine, type CliIo } from './io';
import { reportCommand } from './report-command';
import { runCommand } from './run-command';

/** Errors in what the operator typed: the usage follows the message. */
const USAGE_CODES = new Set(['CLI_USAGE', 'CONFIG_INVALID_VARIABLE']);

async function dispatch(command: Command, io: CliIo): Promise<number> {
  switch (command.command) {
    case 'help':
      writeLine(io.stdout, USAGE);
      return EXIT_OK;
    case 'db-init':
      return dbInitCommand(io);
    case 'run':
      return runCommand(command, io);
    case 'report':
      return reportCommand(command, io);
  }
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(parseCommand(argv), io);
  } catch (e) {
    const err = toBackfillError(e);
    writeLine(io.stderr, `error: ${sanitize(err.message)}`);
    if (USAGE_CODES.has(err.code)) writeLine(io.stderr, `\n${USAGE}`);
    return EXIT_CODES[err.kind];
  }
}
