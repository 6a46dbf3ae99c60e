/** The help of `qbo-backfill` and of each of its commands, drawn from the flag lists (cli/flags.ts). */
import { REPORT_FLAGS, RUN_FLAGS, type FlagSpec } from './flags';

export type HelpTopic = 'run' | 'report' | 'db';

function flagLines(flags: readonly FlagSpec[]): string {
  const names = flags.map((f) => `--${f.name}${f.value ? ` ${f.value}` : ''}`);
  const width = Math.max(...names.map((n) => n.length));
  return flags.map((f, i) => `  ${names[i]!.padEnd(width)}  ${f.help}`).join('\n');
}

const FOOTER = 'Configuration comes from the environment or a .env file (see .env.example); reference: docs/cli.md.';

const SYNOPSIS: Readonly<Record<HelpTopic, string>> = {
  db: `qbo-backfill db init
    Create or update the raw and ops schemas (db/init/*.sql; safe to repeat).`,
  run: `qbo-backfill run --entity <invoices|customers|items|all> --from <ISO> --to <ISO>
                 [--chunk-days <n>] [--page-size <n>] [--date-field last_updated|txn_date]
                 [--no-resume] [--force] [--json]
    Backfill [from, to) (UTC): extract, load, validate; re-running the same command resumes.`,
  report: `qbo-backfill report [--run <run id> | --latest] [--entity <entity>] [--json]
    Write and show the report of one run (default: the latest run of each entity).`,
};

const FLAGS: Readonly<Record<HelpTopic, readonly FlagSpec[]>> = { db: [], run: RUN_FLAGS, report: REPORT_FLAGS };

/** `qbo-backfill help`: every command, one synopsis each. */
export const USAGE = `Usage:
  ${SYNOPSIS.db.replace(/\n/g, '\n  ')}
  ${SYNOPSIS.run.replace(/\n/g, '\n  ')}
  ${SYNOPSIS.report.replace(/\n/g, '\n  ')}
  qbo-backfill <command> --help     the command's flags
  qbo-backfill --version

${FOOTER}`;

/** `qbo-backfill <command> --help`: its synopsis and every flag. */
export function commandHelp(topic: HelpTopic): string {
  const flags = FLAGS[topic];
  return `Usage: ${SYNOPSIS[topic]}${flags.length > 0 ? `\n\nFlags:\n${flagLines(flags)}` : ''}\n\n${FOOTER}`;
}
