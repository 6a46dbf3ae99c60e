/** A RunReport built in memory (no database): 9 weekly chunks, 63 days, one empty day and one outlier flagged. */
import { REPORT_FORMAT, type ChunkReportRow, type RunReport } from '../../src/report/model';
import type { DayCount } from '../../src/validate/daily-volume';

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);

export function sampleReport(overrides: Partial<RunReport> = {}): RunReport {
  const days: DayCount[] = Array.from({ length: 63 }, (_, i) => ({
    day: new Date(START + i * DAY).toISOString().slice(0, 10),
    count: i === 20 ? 0 : i === 40 ? 260 : 30 + ((i * 7) % 11),
    partial: false,
    chunk: Math.floor(i / 7),
  }));
  const chunks: ChunkReportRow[] = Array.from({ length: 9 }, (_, c) => {
    const rows = days.filter((d) => d.chunk === c).reduce((n, d) => n + d.count, 0);
    return {
      chunk: c, window_start_utc: new Date(START + c * 7 * DAY).toISOString(), window_end_utc: new Date(START + (c + 1) * 7 * DAY).toISOString(),
      status: 'loaded', pages: 1, source_count: rows, rows_read: rows, inserted: rows - 5, updated: 3, unchanged: 2, skipped: 0,
      api_calls: 3, read_pass: null, retries: c === 4 ? 2 : 0, throttled: c === 4 ? 1 : 0, attempts: 1, extract_ms: 900 + c * 10, load_ms: 150, duration_ms: 1050 + c * 10,
    };
  });
  const sum = (k: keyof ChunkReportRow) => chunks.reduce((n, c) => n + Number(c[k] ?? 0), 0);
  const base: RunReport = {
    format: REPORT_FORMAT,
    generated_at_utc: '2024-03-05T10:00:00.000Z',
    run: {
      run_id: '3f1e2d4c-5b6a-4978-8a1b-2c3d4e5f6a7b', entity: 'invoices', table: 'raw.qb_invoices', realm_id: '9130350000000001',
      date_field: 'last_updated', range_start_utc: new Date(START).toISOString(), range_end_utc: new Date(START + 63 * DAY).toISOString(),
      chunk_days: 7, page_size: 1000, status: 'succeeded', origin: 'mage', origin_ref: 'invoices_backfill_once',
      started_at_utc: '2024-03-05T09:58:00.000Z', finished_at_utc: '2024-03-05T09:59:30.000Z',
    },
    totals: {
      chunks: 9, chunks_loaded: 9, pages: sum('pages'), source_count: sum('source_count'), rows_read: sum('rows_read'), inserted: sum('inserted'),
      updated: sum('updated'), unchanged: sum('unchanged'), skipped: 0, api_calls: sum('api_calls'), retries: 2, throttled: 1,
      extract_ms: sum('extract_ms'), load_ms: sum('load_ms'), wall_ms: 90_000, rows_in_range: sum('rows_read'), rows_in_table: sum('rows_read'),
    },
    chunks,
    days,
    validation: {
      checked_at_utc: '2024-03-05T09:59:29.000Z',
      counts: { ok: 6, warning: 2, failure: 0 },
      results: [
        { check: 'chunk_coverage', severity: 'ok', message: '9 contiguous half-open windows cover the range, all loaded.', details: {}, checked_at_utc: '2024-03-05T09:59:29.000Z' },
        { check: 'primary_key', severity: 'ok', message: 'raw.qb_invoices: every id present and unique.', details: {}, checked_at_utc: '2024-03-05T09:59:29.000Z' },
        { check: 'volumetry_empty_days', severity: 'warning', message: '1 empty day(s) inside a busy range: 2024-01-21 <check> | pipe', details: { empty_days: [{ day: '2024-01-21', chunk: 2, neighbour_median: 33 }] }, checked_at_utc: '2024-03-05T09:59:29.000Z' },
        { check: 'volumetry_outliers', severity: 'warning', message: '1 day(s) with unusual volume — 2024-02-10: 260 vs ~35 (high).', details: { outliers: [{ day: '2024-02-10', chunk: 5, count: 260, median: 35, z: 40, direction: 'high' }] }, checked_at_utc: '2024-03-05T09:59:29.000Z' },
        { check: 'idempotency', severity: 'ok', message: 'Re-loading 1 chunk(s) changed no row.', details: {}, checked_at_utc: '2024-03-05T09:59:29.000Z' },
      ],
    },
  };
  return { ...base, ...overrides };
}
