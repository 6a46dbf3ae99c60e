/**
 * What makes raw differ from QBO's text, reported per run:
 *  - `source_deletions` (ok; only for entities QBO deletes, i.e. invoices): the Ids this run marked deleted because
 *    QBO confirmed them gone (ops.source_deletions).
 *  - `unstorable_records` (warning when any): the records this run read whose JSON jsonb cannot hold, stored by the
 *    documented rule (payload_repaired), each named by entity, Id and field (ops.unstorable_payloads).
 */
import { entityDefinition } from '../../entities';
import { dbFailure, type Queryable } from '../run-info';
import type { CheckResult, RunInfo } from '../types';

const MAX_LISTED = 200;

async function deletions(db: Queryable, run: RunInfo): Promise<CheckResult> {
  const { rows } = await db.query(
    `SELECT id, deleted_at_utc, detected_by FROM ops.source_deletions WHERE run_id = $1 AND marked ORDER BY id LIMIT ${MAX_LISTED + 1}`,
    [run.runId],
  );
  const ids = rows.slice(0, MAX_LISTED).map((r) => ({ id: String(r.id), deleted_at_utc: new Date(r.deleted_at_utc).toISOString(), detected_by: r.detected_by }));
  const more = rows.length > MAX_LISTED ? ' (first listed)' : '';
  return {
    check: 'source_deletions',
    severity: 'ok',
    message: ids.length === 0
      ? `No ${run.entity} were marked deleted by this run.`
      : `${ids.length} ${run.entity} marked deleted by this run, QBO having confirmed them gone${more}: ${ids.map((d) => d.id).join(', ')}.`,
    details: { marked: ids },
  };
}

async function unstorable(db: Queryable, run: RunInfo): Promise<CheckResult> {
  const { rows } = await db.query(
    `SELECT id, fields FROM ops.unstorable_payloads WHERE run_id = $1 AND entity = $2 ORDER BY id LIMIT ${MAX_LISTED + 1}`,
    [run.runId, run.entity],
  );
  const records = rows.slice(0, MAX_LISTED).map((r) => ({ entity: run.entity, id: String(r.id), fields: r.fields as string[] }));
  if (records.length === 0) {
    return { check: 'unstorable_records', severity: 'ok', message: `Every ${run.entity} record was stored exactly as QBO sent it.`, details: { records: [] } };
  }
  const named = records.map((r) => `${r.entity} Id ${r.id} (${r.fields.join(', ')})`).join('; ');
  return {
    check: 'unstorable_records',
    severity: 'warning',
    message: `${records.length} ${run.entity} record(s) held text jsonb cannot store (an escaped NUL or unpaired surrogate), stored with ` +
      `U+FFFD in its place and flagged payload_repaired; QBO's exact text is in ops.unstorable_payloads: ${named}.`,
    details: { records },
  };
}

export async function checkSourceFidelity(db: Queryable, run: RunInfo): Promise<CheckResult[]> {
  try {
    const deletable = entityDefinition(run.entity).deletable === true;
    return [...(deletable ? [await deletions(db, run)] : []), await unstorable(db, run)];
  } catch (e) {
    throw dbFailure(e, `listing the deletions and repaired records of run ${run.runId}`);
  }
}
