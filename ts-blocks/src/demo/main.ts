/**
 * Entry point of `npm run demo [-- --invoices n --customers n --items n --seed n --from ISO --to ISO --chunk-days n
 * --keep]`. Exit code 0 when the three pipelines succeeded, 1 otherwise (2 for bad arguments).
 */
import { parseDemoArgs, USAGE } from './args';
import { runDemo, type DemoOptions } from './run-demo';

async function main(): Promise<void> {
  let options: DemoOptions | 'help';
  try {
    options = parseDemoArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  // Ctrl-C reaches the running `mage run` too (same process group); the demo then cleans up and stops.
  const interrupt = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => interrupt.abort());
  const ok = await runDemo(options, say, interrupt.signal);
  say(ok ? '\nDemo finished: the three pipelines ran through Mage.' : '\nDemo finished with failures (see the logs above).');
  process.exitCode = ok ? 0 : 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`Demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
