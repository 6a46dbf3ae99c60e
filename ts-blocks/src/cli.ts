#!/usr/bin/env node
/**
 * The `qbo-backfill` command (package.json "bin"; also `node ts-blocks/dist/cli.js`). See `qbo-backfill help`.
 * The first SIGINT/SIGTERM stops the run cleanly between requests (a later run resumes it); a second one exits.
 */
import { runCli } from './cli/main';
import { sanitize } from './core/sanitize';

// Output piped into a reader that went away (e.g. `| head`): keep running, the rest of the output is dropped.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

const controller = new AbortController();
const onSignal = (signal: NodeJS.Signals) => {
  if (controller.signal.aborted) process.exit(130);
  process.stderr.write(`\n${signal}: stopping after the requests in flight; re-run the same command to resume.\n`);
  controller.abort(new Error(signal));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
    process.stdout.write('', () => process.exit(code));
  },
  (e: unknown) => {
    process.stderr.write(`error: ${sanitize(e instanceof Error ? e.message : String(e))}\n`);
    process.exit(1);
  },
);
