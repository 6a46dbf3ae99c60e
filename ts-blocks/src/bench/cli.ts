#!/usr/bin/env node
/**
 * `npm run bench -- [--invoices n] [--customers n] [--items n] [--latency-ms n] [--repeat n] [--json]`
 * Progress goes to stderr; the result (tables, or one JSON document with --json) to stdout.
 */
import { isBackfillError } from '../core/errors';
import { BENCH_USAGE, parseBenchArgs } from './options';
import { renderJson, renderText, type BenchResult } from './render';
import { repeatLines, summariseRepeats } from './repeat';
import { runBench } from './run';

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return 0;
  }
  const options = parseBenchArgs(argv);
  const started = Date.now();
  const log = (message: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
  if (options.repeat === 1) {
    const result = await runBench(options, log);
    process.stdout.write(`${options.json ? renderJson(result) : renderText(result)}\n`);
    return 0;
  }
  // --repeat n: each run printed as it ends, then the spread (one JSON document with --json).
  const results: BenchResult[] = [];
  for (let run = 1; run <= options.repeat; run += 1) {
    log(`run ${run} of ${options.repeat}`);
    results.push(await runBench(options, log));
    if (!options.json) process.stdout.write(`== run ${run} of ${options.repeat}\n${renderText(results[results.length - 1]!)}\n\n`);
  }
  const summary = summariseRepeats(results);
  process.stdout.write(options.json ? `${JSON.stringify({ runs: results, repeat: summary })}\n` : `${repeatLines(summary).join('\n')}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const message = isBackfillError(e) ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.stderr.write(`bench failed: ${message}\n`);
    process.exit(isBackfillError(e) && e.kind === 'config' ? 2 : 1);
  },
);
