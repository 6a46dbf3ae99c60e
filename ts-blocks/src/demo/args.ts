/** The demo's command line: `npm run demo [-- --invoices n … --keep]`. */
import { parseArgs } from 'node:util';
import type { DemoOptions } from './run-demo';

export const USAGE = `Usage: npm run demo [-- --invoices <n>] [--customers <n>] [--items <n>] [--seed <n>] [--from <ISO>] [--to <ISO>] [--chunk-days <n>] [--keep]
  Runs the three Mage pipelines (qb_invoices_backfill, qb_customers_backfill, qb_items_backfill) against the local
  QBO sandbox and PostgreSQL (DATABASE_URL, else 127.0.0.1:5432, else an embedded server), then prints a summary
  and the psql command that opens the loaded rows. --keep leaves an embedded PostgreSQL running until Ctrl-C.`;

function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number (got ${JSON.stringify(value)})`);
  return n;
}

/** The demo's options, or `help` when it was asked for; throws on a bad flag. */
export function parseDemoArgs(argv: string[]): DemoOptions | 'help' {
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
      keep: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  return {
    invoices: count('invoices', values.invoices),
    customers: count('customers', values.customers),
    items: count('items', values.items),
    seed: count('seed', values.seed),
    from: values.from,
    to: values.to,
    chunkDays: count('chunk-days', values['chunk-days']),
    keep: values.keep === true,
  };
}
