/**
 * The command line, parsed into a typed command. Bad input is a UsageError (a ConfigError with code CLI_USAGE)
 * whose message names the problem; the CLI prints it with the usage text and exits with code 2.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../core/errors';
import { ENTITIES, type Entity } from '../core/types';

export const USAGE = `Usage:
  qbo-backfill db init
      Create or update the raw and ops schemas (db/init/*.sql; safe to repeat).
  qbo-backfill run --entity <invoices|customers|items|all> --from <ISO> --to <ISO>
                   [--chunk-days <n>] [--page-size <n>] [--date-field last_updated|txn_date]
                   [--no-resume] [--force] [--json]
      Backfill [from, to) (UTC; a time without zone is UTC): extract, load, validate.
      --chunk-days   window length in days (default 7)     --page-size  rows per request, 1-1000 (default 1000)
      --date-field   last_updated (default) or txn_date (invoices only)
      --no-resume    start a new run instead of continuing an unfinished one with the same parameters
      --force        redo every chunk, even those a previous run finished
      --json         print NDJSON events instead of progress bars and a table
  qbo-backfill report [--run <run id> | --latest] [--entity <entity>] [--json]
      Write and show the report of one run (default: the latest run of each entity).
  qbo-backfill help

Configuration comes from the environment or a .env file (see .env.example).`;

export type EntityChoice = Entity | 'all';

export interface RunCommand {
  readonly command: 'run';
  readonly entities: readonly Entity[];
  /** The SPEC §3 variables as Mage would pass them; validated by config/variables.ts. */
  readonly variables: Readonly<Record<string, unknown>>;
  readonly json: boolean;
}

export interface ReportCommand {
  readonly command: 'report';
  readonly runId?: string;
  readonly entity?: Entity;
  readonly json: boolean;
}

export type Command = { readonly command: 'db-init' } | { readonly command: 'help' } | RunCommand | ReportCommand;

/** Entities of `--entity all`, in load order (names before the transactions that reference them). */
export const ALL_ENTITIES: readonly Entity[] = ['customers', 'items', 'invoices'];

export function usageError(message: string): ConfigError {
  return new ConfigError(message, { code: 'CLI_USAGE' });
}

function parse(args: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw usageError((e as Error).message.split('\n')[0] ?? 'Invalid arguments.');
  }
}

function entityOf(value: string | boolean | undefined, allowAll: boolean): EntityChoice | undefined {
  if (value === undefined) return undefined;
  const text = String(value).toLowerCase();
  if (allowAll && text === 'all') return 'all';
  const entity = ENTITIES.find((e) => e === text);
  if (!entity) throw usageError(`--entity must be one of ${ENTITIES.join(', ')}${allowAll ? ', all' : ''} (got ${JSON.stringify(value)}).`);
  return entity;
}

function parseRun(args: string[]): RunCommand {
  const v = parse(args, {
    entity: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'chunk-days': { type: 'string' },
    'page-size': { type: 'string' },
    'date-field': { type: 'string' },
    'no-resume': { type: 'boolean' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const missing = ['entity', 'from', 'to'].filter((k) => v[k] === undefined).map((k) => `--${k}`);
  if (missing.length > 0) throw usageError(`run needs ${missing.join(', ')}.`);
  const choice = entityOf(v.entity, true) as EntityChoice;
  const variables: Record<string, unknown> = {
    fecha_inicio: v.from,
    fecha_fin: v.to,
    chunk_days: v['chunk-days'],
    page_size: v['page-size'],
    date_field: v['date-field'],
    resume: v['no-resume'] !== true,
    force: v.force === true,
  };
  return { command: 'run', entities: choice === 'all' ? ALL_ENTITIES : [choice], variables, json: v.json === true };
}

function parseReport(args: string[]): ReportCommand {
  const v = parse(args, { run: { type: 'string' }, latest: { type: 'boolean' }, entity: { type: 'string' }, json: { type: 'boolean' } });
  if (v.run !== undefined && v.latest === true) throw usageError('report takes --run <id> or --latest, not both.');
  const entity = entityOf(v.entity, false) as Entity | undefined;
  return {
    command: 'report',
    ...(typeof v.run === 'string' ? { runId: v.run } : {}),
    ...(entity ? { entity } : {}),
    json: v.json === true,
  };
}

export function parseCommand(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  switch (first) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { command: 'help' };
    case 'db':
      if (rest[0] === 'init' && rest.length === 1) return { command: 'db-init' };
      throw usageError(`Unknown db command${rest.length ? ` "${rest.join(' ')}"` : ''}: expected "db init".`);
    case 'run':
      return parseRun(rest);
    case 'report':
      return parseReport(rest);
    default:
      throw usageError(`Unknown command "${first}".`);
  }
}

const FLAG_NAMES: ReadonlyArray<[RegExp, string]> = [
  [/\bfecha_inicio\b/g, '--from'],
  [/\bfecha_fin\b/g, '--to'],
  [/\bchunk_days\b/g, '--chunk-days'],
  [/\bpage_size\b/g, '--page-size'],
  [/\bdate_field\b/g, '--date-field'],
];

/** Rewrites a variables error in the CLI's terms (`fecha_inicio` → `--from`, ...). */
export function inFlagTerms(message: string): string {
  return FLAG_NAMES.reduce((m, [re, flag]) => m.replace(re, flag), message);
}
