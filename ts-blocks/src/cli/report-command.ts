/**
 * `qbo-backfill report`: the runs to report (one by id, or the latest of each entity) with their per-chunk
 * metrics from the ledger, as a table or JSON.
 */
import { readDbSettings } from '../config/db-settings';
import { lookupFrom } from '../config/sources';
import { ConfigError } from '../core/errors';
import { ENTITIES } from '../core/types';
import type { RunDetail } from '../ledger/queries';
import { openDatabase, type Database } from '../pipeline/database';
import type { ReportCommand } from './args';
import { loadEnv } from './env';
import { EXIT_OK } from './exit-codes';
import { writeLine, type CliIo } from './io';
import { formatDuration, renderTable } from './table';

async function runsToReport(db: Database, cmd: ReportCommand): Promise<RunDetail[]> {
  if (cmd.runId !== undefined) return [await db.ledger.getRunDetail(cmd.runId)];
  const entities = cmd.entity ? [cmd.entity] : ENTITIES;
  const latest = await Promise.all(entities.map((entity) => db.ledger.listRuns({ entity, limit: 1 })));
  const ids = latest.flat().map((r) => r.runId);
  if (ids.length === 0) {
    throw new ConfigError(`No backfill run${cmd.entity ? ` of ${cmd.entity}` : ''} is recorded in this database yet. Run \`qbo-backfill run\` first.`, {
      code: 'REPORT_NO_RUNS',
    });
  }
  return Promise.all(ids.map((id) => db.ledger.getRunDetail(id)));
}

function chunkTable(run: RunDetail): string {
  const rows = run.chunks.map((c) => [
    c.index,
    `${c.windowStart.toISOString()} → ${c.windowEnd.toISOString()}`,
    c.status,
    c.metrics.pages_read,
    c.metrics.rows_read,
    c.metrics.rows_inserted,
    c.metrics.rows_updated,
    c.metrics.rows_unchanged,
    c.metrics.rows_skipped,
    c.metrics.api_calls,
    c.metrics.retries,
    c.metrics.throttled,
    formatDuration(c.metrics.duration_ms),
  ]);
  return renderTable(
    ['chunk', 'window (UTC, [start, end))', 'status', 'pages', 'rows', 'inserted', 'updated', 'unchanged', 'skipped', 'API calls', 'retries', '429s', 'duration'],
    rows,
  );
}

function describeRun(run: RunDetail): string {
  const p = run.params;
  return [
    `${p.entity} run ${run.runId}: ${run.status}${run.openCount > 1 ? ` (opened ${run.openCount} times)` : ''}`,
    `  realm ${p.realmId}, ${p.dateField} in [${p.rangeStart.toISOString()}, ${p.rangeEnd.toISOString()}), ` +
      `${p.chunkDays}-day chunks, page size ${p.pageSize}, started ${run.startedAt.toISOString()}` +
      (run.finishedAt ? `, finished ${run.finishedAt.toISOString()}` : ''),
    ...(run.error ? [`  error: ${String(run.error.message ?? '')}`] : []),
    chunkTable(run),
  ].join('\n');
}

export async function reportCommand(cmd: ReportCommand, io: CliIo): Promise<number> {
  const settings = readDbSettings(lookupFrom({ env: loadEnv(io.cwd, false) }));
  const db = await openDatabase(settings, { applicationName: 'qbo-backfill report' });
  try {
    const runs = await runsToReport(db, cmd);
    if (cmd.json) writeLine(io.stdout, JSON.stringify({ runs }));
    else writeLine(io.stdout, runs.map(describeRun).join('\n\n'));
  } finally {
    await db.close();
  }
  return EXIT_OK;
}
