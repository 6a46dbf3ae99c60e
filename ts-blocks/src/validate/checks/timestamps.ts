/**
 * Temporal coherence of the raw table:
 *  - `timestamps_utc`: every *_utc column is `timestamptz` (an instant, shown in UTC); source_last_updated_utc is
 *    the payload's MetaData.LastUpdatedTime (QBO sends a Pacific offset: a conversion mistake shows here as a
 *    shift of 7 or 8 hours); no version was updated after it was ingested; no ingestion in the future.
 *  - `records_in_window`: every row's date field lies in its half-open window [start, end).
 * Queried without trusting the table's CHECK constraints by name (the shared payload scan relies on the
 * LastUpdatedTime constraint only once the catalog shows it validated and exactly as db/init defines it).
 */
import { ISO_WITH_ZONE } from '../../db/payload-constraints';
import { txnDateInstantSql } from '../../db/txn-date-sql';
import type { ValidationOptions } from '../options';
import { dbFailure, rawTable, type Queryable } from '../run-info';
import { SAMPLE_IDS, type CheckResult, type RunInfo } from '../types';
import { scanPayloads, type PayloadCounts } from './payload-scan';

export const TIMESTAMPS_CHECK = 'timestamps_utc';
export const IN_WINDOW_CHECK = 'records_in_window';

/** The instant a row is windowed by, from its own date_field column (alias t). */
const ROW_DATE_VALUE = `CASE WHEN t.date_field = 'txn_date'
    THEN ${txnDateInstantSql("(t.payload ->> 'TxnDate')")}
    ELSE t.source_last_updated_utc END`;

/** *_utc columns that are not timestamptz, read from the catalog (information_schema.columns costs ~50-100 ms). */
async function columnTypes(db: Queryable, table: string): Promise<Array<{ column: string; type: string }>> {
  const [schema, name] = table.split('.');
  const { rows } = await db.query(
    `SELECT n.nspname || '.' || c.relname || '.' || a.attname AS column, format_type(a.atttypid, NULL) AS type
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ((n.nspname = $1 AND c.relname = $2) OR (n.nspname = 'ops' AND c.relname LIKE 'backfill\\_%'))
        AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
        AND a.attname LIKE '%\\_utc' AND a.atttypid <> 'timestamptz'::regtype
      ORDER BY 1`,
    [schema, name],
  );
  return rows as Array<{ column: string; type: string }>;
}

async function timestampSample(db: Queryable, table: string): Promise<unknown[]> {
  const { rows } = await db.query(
    `SELECT id, lu AS payload_last_updated, source_last_updated_utc, ingested_at_utc
       FROM (SELECT *, payload -> 'MetaData' ->> 'LastUpdatedTime' AS lu FROM ${table}) t
      WHERE lu IS NULL OR lu !~ $1 OR lu::timestamptz <> t.source_last_updated_utc
         OR t.source_last_updated_utc > t.ingested_at_utc
      ORDER BY id LIMIT ${SAMPLE_IDS}`,
    [ISO_WITH_ZONE],
  );
  return rows;
}

/** `payloads`: the validation's shared scan of the payloads (./payload-scan.ts); without it the check scans them itself. */
export async function checkTimestamps(
  db: Queryable, run: RunInfo, options: ValidationOptions, payloads?: () => Promise<PayloadCounts>,
): Promise<CheckResult[]> {
  const table = rawTable(run.entity);
  try {
    const [badColumns, scanned] = await Promise.all([
      columnTypes(db, table),
      payloads ? payloads() : scanPayloads(db, table, options.clockSkewMs),
    ]);
    const { payload_id_mismatch: _ids, rows: _rows, null_or_blank_ids: _blank, ...counts } = scanned;
    const problems: string[] = [];
    if (badColumns.length > 0) problems.push(`${badColumns.length} *_utc column(s) are not timestamptz`);
    if (counts.last_updated_mismatch > 0) {
      problems.push(`${counts.last_updated_mismatch} row(s) whose source_last_updated_utc differs from payload MetaData.LastUpdatedTime`);
    }
    if (counts.updated_after_ingestion > 0) problems.push(`${counts.updated_after_ingestion} row(s) updated in QBO after they were ingested`);
    if (counts.ingested_in_future > 0) problems.push(`${counts.ingested_in_future} row(s) ingested in the future`);
    const notes: string[] = [];
    if (counts.missing_last_updated > 0) notes.push(`${counts.missing_last_updated} payload(s) without MetaData.LastUpdatedTime`);
    if (counts.last_updated_without_zone > 0) notes.push(`${counts.last_updated_without_zone} LastUpdatedTime value(s) without a UTC offset`);
    const sample = problems.length + notes.length > 0 ? await timestampSample(db, table) : [];
    const details = { table, ...counts, columns_not_timestamptz: badColumns, sample };
    if (problems.length > 0) {
      return [{
        check: TIMESTAMPS_CHECK,
        severity: 'failure',
        message: `${table}: ${[...problems, ...notes].join('; ')}. A time-zone conversion is wrong (QBO sends Pacific offsets; ` +
          'the loader must convert to UTC): fix it, then re-run the affected windows with force.',
        details,
      }];
    }
    if (notes.length > 0) {
      return [{
        check: TIMESTAMPS_CHECK,
        severity: 'warning',
        message: `${table}: ${notes.join('; ')}; their UTC instant cannot be verified against the payload.`,
        details,
      }];
    }
    return [{ check: TIMESTAMPS_CHECK, severity: 'ok', message: `${table}: timestamps are UTC instants and match the payloads.`, details }];
  } catch (e) {
    throw dbFailure(e, `checking timestamps in ${table}`);
  }
}

export async function checkRecordsInWindow(db: Queryable, run: RunInfo): Promise<CheckResult[]> {
  const table = rawTable(run.entity);
  const outside = `NOT (${ROW_DATE_VALUE} >= t.extract_window_start_utc AND ${ROW_DATE_VALUE} < t.extract_window_end_utc)
                   OR ${ROW_DATE_VALUE} IS NULL OR NOT (t.extract_window_start_utc < t.extract_window_end_utc)`;
  try {
    const { rows } = await db.query(`SELECT count(*)::bigint AS n, count(*) FILTER (WHERE ${outside})::bigint AS outside FROM ${table} t`);
    const total = Number(rows[0].n);
    const out = Number(rows[0].outside);
    if (out === 0) {
      return [{ check: IN_WINDOW_CHECK, severity: 'ok', message: `${table}: all ${total} rows lie inside their [start, end) window.`, details: { table, rows: total, outside: 0 } }];
    }
    const sample = await db.query(
      `SELECT id, date_field, source_last_updated_utc, payload ->> 'TxnDate' AS txn_date,
              extract_window_start_utc, extract_window_end_utc, run_id
         FROM ${table} t WHERE ${outside} ORDER BY id LIMIT ${SAMPLE_IDS}`,
    );
    return [{
      check: IN_WINDOW_CHECK,
      severity: 'failure',
      message: `${table}: ${out} of ${total} rows lie outside the window recorded for them (e.g. id ${String(sample.rows[0]?.id)}). ` +
        'The window filter or the time-zone conversion of the query is wrong: fix it and re-run those windows with force.',
      details: { table, rows: total, outside: out, sample: sample.rows },
    }];
  } catch (e) {
    throw dbFailure(e, `checking windows in ${table}`);
  }
}
