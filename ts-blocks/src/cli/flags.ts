/**
 * The flags of each command, in one place: the help text is drawn from them, and a flag given without its value
 * fails with that flag's own message (what the value is, and an example) instead of the parser's jargon.
 */
import { DEFAULT_CHUNK_DAYS, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../config/variables';
import { ENTITIES } from '../core/types';

export interface FlagSpec {
  /** Without the leading dashes. */
  readonly name: string;
  /** A flag that takes a value shows it here (`<n>`); a switch has none. */
  readonly value?: string;
  readonly help: string;
  /** What the value is, for the message when it is missing. */
  readonly expects?: string;
  readonly example?: string;
}

export const RUN_FLAGS: readonly FlagSpec[] = [
  { name: 'entity', value: '<invoices|customers|items|all>', help: 'what to backfill (all: customers, items, invoices)',
    expects: `one of ${ENTITIES.join(', ')} or all`, example: 'invoices' },
  { name: 'from', value: '<ISO>', help: 'start of the range, inclusive (a time without zone is UTC)',
    expects: 'the start of the range, an ISO-8601 date or time (without a zone: UTC)', example: '2024-01-01' },
  { name: 'to', value: '<ISO>', help: 'end of the range, exclusive',
    expects: 'the end of the range (exclusive), an ISO-8601 date or time', example: '2024-02-01' },
  { name: 'chunk-days', value: '<n>', help: `window length in days, fractions allowed (default ${DEFAULT_CHUNK_DAYS})`,
    expects: 'a positive number of days', example: '7' },
  { name: 'page-size', value: '<n>', help: `rows per request, 1-${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`,
    expects: `an integer from 1 to ${MAX_PAGE_SIZE}`, example: '1000' },
  { name: 'date-field', value: '<last_updated|txn_date>', help: 'filter on MetaData.LastUpdatedTime (default) or TxnDate (invoices only)',
    expects: 'last_updated or txn_date', example: 'last_updated' },
  { name: 'no-resume', help: 'start a new run instead of continuing an unfinished one with the same parameters' },
  { name: 'force', help: 'redo every window, even those a previous run finished' },
  { name: 'json', help: 'NDJSON events on stdout, the last line a result or an error (no progress bars)' },
];

export const REPORT_FLAGS: readonly FlagSpec[] = [
  { name: 'run', value: '<run id>', help: 'the run to report (from the run summary or ops.backfill_runs)',
    expects: 'a run id (ops.backfill_runs.run_id)', example: '3f0c…' },
  { name: 'latest', help: 'the latest run of each entity (the default)' },
  { name: 'entity', value: '<invoices|customers|items>', help: 'only this entity', expects: `one of ${ENTITIES.join(', ')}`, example: 'items' },
  { name: 'json', help: 'the reports as one JSON document on stdout' },
];

/** The node:util parseArgs options of a flag list. */
export function parseOptions(flags: readonly FlagSpec[]): Record<string, { type: 'string' | 'boolean' }> {
  return Object.fromEntries(flags.map((f) => [f.name, { type: f.value === undefined ? 'boolean' : 'string' }]));
}

/** A value that is a negative number (`-1`, `-0.5`): a value to judge, not a flag. */
const NEGATIVE_NUMBER = /^-\d/;

/**
 * Reads `--flag value` pairs ahead of the parser: a missing value is reported in the flag's own words, and a
 * negative number is passed on as a value (`--chunk-days=-1`) so that the flag's validation names the problem.
 */
export function attachValues(args: readonly string[], flags: readonly FlagSpec[], fail: (message: string) => Error): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const spec = arg.startsWith('--') && !arg.includes('=') ? flags.find((f) => `--${f.name}` === arg) : undefined;
    if (spec?.value === undefined) {
      out.push(arg);
      continue;
    }
    const next = args[i + 1];
    if (next === undefined || (next.startsWith('-') && !NEGATIVE_NUMBER.test(next))) {
      const after = next === undefined ? 'nothing follows it' : `it is followed by ${next}`;
      throw fail(`${arg} needs a value: ${spec.expects} (e.g. ${arg} ${spec.example}); ${after}.`);
    }
    out.push(`${arg}=${next}`);
    i += 1;
  }
  return out;
}
