/**
 * Entry point of `npm run demo [-- --invoices n --customers n --items n --seed n --from ISO --to ISO --chunk-days n]`.
 * Exit code 0 when the three pipelines succeeded, 1 otherwise (2 for bad arguments).
 */
import { parseArgs } from 'node:util';
import { runDemo, type DemoOptions } from './run-demo';

const USAGE = `Usage: npm run demo [-- --invoices <n>] [--customers <n>] [--items <n>] [--seed <n>] [--from <ISO>] [--to <ISO>] [--chunk-days <n>]
  Runs the three Mage pipelines (qb_invoices_backfill, qb_customers_backfill, qb_items_backfill) against the local
  QBO sandbox and PostgreSQL (DATABASE_URL, else 127.0.0.1:5432, else an embedded server), then prints a summary.`;

function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number (got ${JSON.stringify(value)})`);
  return n;
}

function parse(argv: string[]): DemoOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      invoices: { type: 'string' },
      customers: { type: 'string' },
      items: { type: 'string' },
      seed: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'chunk-days': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  return {
    invoices: count('invoices', values.invoices),
    customers: count('customers', values.customers),
    items: count('items', values.items),
    seed: count('seed', values.seed),
    from: values.from,
    to: values.to,
    chunkDays: count('chunk-days', values['chunk-days']),
  };
}

async function main(): Promise<void> {
  let options: DemoOptions;
  try {
    options = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
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
