/** The table printed at the end of `qbo-backfill run`: one line per entity. */
import type { EntityRunSummary } from '../pipeline/run-entity';
import { formatDuration, renderTable } from '../core/table';

export function summaryTable(summaries: readonly EntityRunSummary[]): string {
  const headers = ['entity', 'status', 'run', 'chunks', 'rows read', 'inserted', 'updated', 'unchanged', 'skipped',
    'API calls', 'retries', '429s', 'checks', 'duration'];
  const rows = summaries.map((s) => [
    s.entity,
    s.status + (s.resumed ? ' (resumed)' : ''),
    s.run_id.slice(0, 8),
    s.extract.chunks,
    s.load.totals.rows_read,
    s.load.totals.rows_inserted,
    s.load.totals.rows_updated,
    s.load.totals.rows_unchanged,
    s.load.totals.rows_skipped,
    s.extract.api_calls,
    s.extract.retries,
    s.extract.throttled,
    `${s.validation.ok} ok, ${s.validation.warning} warn, ${s.validation.failure} fail`,
    formatDuration(s.duration_ms),
  ]);
  return renderTable(headers, rows);
}
