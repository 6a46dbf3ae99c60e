/**
 * A QBO `TxnDate` (a calendar date, `YYYY-MM-DD`) as the instant windows compare it with: its midnight in UTC.
 * Anything else gives NULL, never an error: the pattern accepts exactly the `YYYY-MM-DD` strings PostgreSQL's date
 * input accepts (each month's length, 29 February in leap years only, no year 0000), so the cast it guards cannot
 * fail on any row. One malformed value (a hand-edited row) would otherwise abort the whole statement it appears
 * in — a deletion check, a window count — instead of leaving that row out of every window. The pattern is checked
 * against PostgreSQL's own cast in ts-blocks/test/db/txn-date-sql.test.ts.
 */
import type { DateField } from '../core/types';

export const TXN_DATE_PATTERN =
  '^(?!0000)(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|' +
  '02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)$';

/** SQL expression: `text` (an SQL text expression) as a timestamptz at its UTC midnight, or NULL if not a date. */
export function txnDateInstantSql(text: string): string {
  return `(CASE WHEN ${text} ~ '${TXN_DATE_PATTERN}' THEN (${text})::date::timestamp AT TIME ZONE 'UTC' END)`;
}

/**
 * SQL expression: a raw row's date field as the instant its window is judged by (`source_last_updated_utc`, or the
 * TxnDate's UTC midnight for `txn_date`; a TxnDate that is not a date: NULL, in no window); `row` qualifies the columns.
 */
export function dateFieldInstantSql(dateField: DateField, row = ''): string {
  const at = row ? `${row}.` : '';
  return dateField === 'txn_date' ? txnDateInstantSql(`(${at}payload ->> 'TxnDate')`) : `${at}source_last_updated_utc`;
}
