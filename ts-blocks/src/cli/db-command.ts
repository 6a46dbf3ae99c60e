/** `qbo-backfill db init`: applies db/init/*.sql (idempotent) to the configured database. */
import { readDbSettings } from '../config/db-settings';
import { lookupFrom } from '../config/sources';
import { describeTarget } from '../db/config';
import { initDatabase } from '../db/init';
import { openDatabase } from '../pipeline/database';
import { loadEnv } from './env';
import { EXIT_OK } from './exit-codes';
import { writeLine, type CliIo } from './io';

export async function dbInitCommand(io: CliIo): Promise<number> {
  const settings = readDbSettings(lookupFrom({ env: loadEnv(io.cwd, false) }));
  const db = await openDatabase(settings, { applicationName: 'qbo-backfill db init', requireInit: false });
  try {
    const { files } = await initDatabase(db.pool);
    writeLine(io.stdout, `Applied ${files.length} file(s) of db/init to ${describeTarget(settings)}: ${files.join(', ')}.`);
  } finally {
    await db.close();
  }
  return EXIT_OK;
}
