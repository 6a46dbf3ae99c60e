/**
 * The command line, parsed into a typed command. Bad input is a UsageError (a ConfigError with code CLI_USAGE)
 * whose message names the problem; the CLI prints it with the usage text and exits with code 2.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../core/errors';
import { ENTITIES, type Entity } from '../core/types';
import { attachValues, parseOptions, REPORT_FLAGS, RUN_FLAGS, type FlagSpec } from './flags';
import type { HelpTopic } from './usage';

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

export interface HelpCommand {
  readonly command: 'help';
  /** A command's own help; none: the overview. */
  readonly topic?: HelpTopic;
}

export type Command = { readonly command: 'db-init' } | { readonly command: 'version' } | HelpCommand | RunCommand | ReportCommand;

/** Entities of `--entity all`, in load order (names before the transactions that reference them). */
export const ALL_ENTITIES: readonly Entity[] = ['customers', 'items', 'invoices'];

/** A mistake on the command line; `topic` says whose help to print after the message. */
export function usageError(message: string, topic?: HelpTopic): ConfigError {
  return new ConfigError(message, { code: 'CLI_USAGE', ...(topic ? { context: { help: topic } } : {}) });
}

function parse(args: string[], flags: readonly FlagSpec[], topic: HelpTopic) {
  const attached = attachValues(args, flags, (message) => usageError(message, topic));
  try {
    return parseArgs({ args: attached, options: parseOptions(flags), strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (e) {
    throw usageError((e as Error).message.split('\n')[0] ?? 'Invalid arguments.', topic);
  }
}

function entityOf(value: string | boolean | undefined, allowAll: boolean): EntityChoice | undefined {
  if (value === undefined) return undefined;
  const text = String(value).toLowerCase();
  if (allowAll && text === 'all') return 'all';
  const entity = ENTITIES.find((e) => e === text);
  if (!entity) {
    throw usageError(`--entity must be one of ${ENTITIES.join(', ')}${allowAll ? ', all' : ''} (got ${JSON.stringify(value)}).`, allowAll ? 'run' : 'report');
  }
  return entity;
}

function parseRun(args: string[]): RunCommand {
  const v = parse(args, RUN_FLAGS, 'run');
  const missing = ['entity', 'from', 'to'].filter((k) => v[k] === undefined).map((k) => `--${k}`);
  if (missing.length > 0) throw usageError(`run needs ${missing.join(', ')}.`, 'run');
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
  const v = parse(args, REPORT_FLAGS, 'report');
  if (v.run !== undefined && v.latest === true) throw usageError('report takes --run <id> or --latest, not both.', 'report');
  const entity = entityOf(v.entity, false) as Entity | undefined;
  return {
    command: 'report',
    ...(typeof v.run === 'string' ? { runId: v.run } : {}),
    ...(entity ? { entity } : {}),
    json: v.json === true,
  };
}

const HELP_FLAGS = new Set(['--help', '-h']);
const TOPICS: readonly HelpTopic[] = ['run', 'report', 'db'];

function helpTopic(name: string | undefined): HelpTopic | undefined {
  if (name === undefined) return undefined;
  const topic = TOPICS.find((t) => t === name);
  if (!topic) throw usageError(`No help for "${name}": the commands are ${TOPICS.join(', ')}.`);
  return topic;
}

export function parseCommand(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first !== undefined && TOPICS.some((t) => t === first) && rest.some((a) => HELP_FLAGS.has(a))) {
    return { command: 'help', topic: first as HelpTopic };
  }
  switch (first) {
    case undefined:
    case '--help':
    case '-h':
      return { command: 'help' };
    case 'help': {
      const topic = helpTopic(rest[0]);
      return topic ? { command: 'help', topic } : { command: 'help' };
    }
    case '--version':
    case '-V':
    case 'version':
      return { command: 'version' };
    case 'db':
      if (rest[0] === 'init' && rest.length === 1) return { command: 'db-init' };
      throw usageError(`Unknown db command${rest.length ? ` "${rest.join(' ')}"` : ''}: expected "db init".`, 'db');
    case 'run':
      return parseRun(rest);
    case 'report':
      return parseReport(rest);
    default:
      throw usageError(`Unknown command "${first}".`);
  }
}

const FLAG_NAMES: ReadonlyArray<[RegExp, string]> = [
  [/\bInvalid variable:/g, 'Invalid value:'],
  [/\binvalid variables:/g, 'invalid values:'],
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
