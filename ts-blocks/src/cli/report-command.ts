/**
 * `qbo-backfill report`: (re)writes the report files of one run, or of the latest run of each entity, from the
 * database alone (report module), and shows their text summary — or, with --json, the reports themselves.
 */
import { readDbSettings } from '../config/db-settings';
import { lookupFrom } from '../config/sources';
import { openDatabase } from '../pipeline/database';
import { report } from '../report/command';
import { evidenceDir } from '../report/write';
import type { ReportCommand } from './args';
import { loadEnv } from './env';
import { EXIT_OK } from './exit-codes';
import { writeLine, type CliIo } from './io';

export async function reportCommand(cmd: ReportCommand, io: CliIo): Promise<number> {
  const env = loadEnv(io.cwd, false);
  const settings = readDbSettings(lookupFrom({ env }));
  const db = await openDatabase(settings, { applicationName: 'qbo-backfill report' });
  try {
    const selection = { ...(cmd.runId === undefined ? {} : { runId: cmd.runId }), ...(cmd.entity === undefined ? {} : { entity: cmd.entity }) };
    const outcomes = await report(db.pool, selection, { outDir: evidenceDir(env) });
    if (cmd.json) {
      writeLine(io.stdout, JSON.stringify({ runs: outcomes.map((o) => ({ ...o.report, paths: o.paths })) }));
      return EXIT_OK;
    }
    for (const o of outcomes) {
      writeLine(io.stdout, o.lines.join('\n'));
      writeLine(io.stdout, `Written: ${o.paths.markdown}, ${o.paths.html}, ${o.paths.json}\n`);
    }
  } finally {
    await db.close();
  }
  return EXIT_OK;
}
