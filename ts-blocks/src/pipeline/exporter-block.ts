/**
 * The exporter block's body (blocks/exporter.ts runs it under the block harness): the loader's output names the
 * run; the database comes from the block's secrets (DATABASE_URL or PG_*), then the environment. The run is locked
 * for this process while it is loaded: a second exporter of the same run fails at once (RUN_BUSY).
 */
import { readDbSettings } from '../config/db-settings';
import { lookupFrom } from '../config/sources';
import { parseEntity } from '../config/variables';
import type { BlockContext } from '../blocks/harness';
import { openDatabase } from './database';
import { exportRun } from './export-run';
import { upstreamRun } from './manifest';

export async function exporterBody(ctx: BlockContext, env: NodeJS.ProcessEnv = process.env): Promise<Record<string, unknown>> {
  const { runId, entity } = upstreamRun(ctx.input.upstream);
  const expected = ctx.input.vars.entity === undefined ? entity : parseEntity(ctx.input.vars.entity);
  const settings = readDbSettings(lookupFrom({ secrets: ctx.input.secrets, env }));
  const db = await openDatabase(settings, { applicationName: `qbo-backfill exporter ${entity}` });
  try {
    const deps = { pool: db.pool, ledger: db.ledger, emit: ctx.emit, signal: ctx.signal, runLocks: db.runLocks };
    const summary = await exportRun(deps, runId, expected);
    return { ...summary };
  } finally {
    await db.close();
  }
}
