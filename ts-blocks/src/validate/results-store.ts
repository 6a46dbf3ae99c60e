/**
 * ops.validation_results: one row per check result. A validation pass writes all its rows in one statement with
 * one `checked_at_utc`, so "the latest pass of a run" is the rows with that run's greatest checked_at_utc.
 */
import type { Entity } from '../core/events';
import { sanitizeValue } from '../core/sanitize';
import { dbFailure, type Queryable } from './run-info';
import type { CheckResult, Severity } from './types';

export interface StoredResult extends CheckResult {
  readonly checked_at_utc: string;
}

export async function saveResults(db: Queryable, runId: string, entity: Entity, results: readonly CheckResult[]): Promise<Date> {
  const rows = sanitizeValue(results.map((r) => ({ check: r.check, severity: r.severity, message: r.message, details: r.details })));
  try {
    const { rows: out } = await db.query(
      `WITH stamp AS (SELECT clock_timestamp() AS at),
            ins AS (
              INSERT INTO ops.validation_results (run_id, entity, check_name, severity, message, details, checked_at_utc)
              SELECT $1, $2, x.doc ->> 'check', x.doc ->> 'severity', x.doc ->> 'message',
                     coalesce(x.doc -> 'details', '{}'::jsonb), stamp.at
                FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS x(doc, ord), stamp
               ORDER BY x.ord
              RETURNING checked_at_utc)
       SELECT at FROM stamp`,
      [runId, entity, JSON.stringify(rows)],
    );
    return new Date(out[0].at);
  } catch (e) {
    throw dbFailure(e, `storing validation results of run ${runId}`);
  }
}

/** The latest validation pass of a run, in the order it was written; empty when the run was never validated. */
export async function latestResults(db: Queryable, runId: string): Promise<StoredResult[]> {
  try {
    const { rows } = await db.query(
      `SELECT check_name, severity, message, details, checked_at_utc FROM ops.validation_results
        WHERE run_id = $1 AND checked_at_utc = (SELECT max(checked_at_utc) FROM ops.validation_results WHERE run_id = $1)
        ORDER BY id`,
      [runId],
    );
    return rows.map((r) => ({
      check: String(r.check_name),
      severity: r.severity as Severity,
      message: String(r.message),
      details: (r.details as Record<string, unknown>) ?? {},
      checked_at_utc: new Date(r.checked_at_utc).toISOString(),
    }));
  } catch (e) {
    throw dbFailure(e, `reading validation results of run ${runId}`);
  }
}
