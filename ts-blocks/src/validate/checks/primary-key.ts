/**
 * Integrity: every row has an id (not null, not blank), no id appears twice, and the id is the payload's `Id`.
 * Queried generically, without trusting the table's constraints: a table restored without its primary key, or
 * created by hand, is judged by its rows.
 */
import { dbFailure, rawTable, type Queryable } from '../run-info';
import { SAMPLE_IDS, type CheckResult, type RunInfo } from '../types';
import { scanPayloads, type PayloadCounts } from './payload-scan';

export const PRIMARY_KEY_CHECK = 'primary_key';

/**
 * `payloads`: the validation's shared scan of the payloads (./payload-scan.ts), which also serves `timestamps_utc`;
 * without it the check scans them itself. The ids (present, unique) are counted beside it, from the id column alone.
 * `seenRows` is told the table's row count (the report prints it).
 */
export async function checkPrimaryKey(
  db: Queryable, run: RunInfo, payloads?: () => Promise<PayloadCounts>, seenRows?: (rows: number) => void,
): Promise<CheckResult[]> {
  const table = rawTable(run.entity);
  try {
    const [totals, scanned] = await Promise.all([
      db.query(
        // Rows per id by hash (count(DISTINCT) sorts every id): each id's copies beyond the first are extras.
        `SELECT coalesce(sum(n), 0)::bigint AS total,
                coalesce(sum(n) FILTER (WHERE id IS NULL OR btrim(id) = ''), 0)::bigint AS null_ids,
                coalesce(sum(n - 1) FILTER (WHERE btrim(id) <> ''), 0)::bigint AS extra_copies
           FROM (SELECT id, count(*) AS n FROM ${table} GROUP BY id) per_id`,
      ),
      payloads ? payloads() : scanPayloads(db, table, 0),
    ]);
    const t = totals.rows[0] as Record<string, string>;
    const total = Number(t.total);
    seenRows?.(total);
    const nullIds = Number(t.null_ids);
    const extraCopies = Number(t.extra_copies);
    const mismatch = scanned.payload_id_mismatch;
    const duplicates =
      extraCopies > 0
        ? (
            await db.query(
              `SELECT id, count(*)::int AS copies FROM ${table} WHERE btrim(id) <> ''
                GROUP BY id HAVING count(*) > 1 ORDER BY count(*) DESC, id LIMIT ${SAMPLE_IDS}`,
            )
          ).rows
        : [];
    const mismatchIds =
      mismatch > 0
        ? (
            await db.query(
              `SELECT id, payload ->> 'Id' AS payload_id FROM ${table}
                WHERE payload ->> 'Id' IS DISTINCT FROM id ORDER BY id LIMIT ${SAMPLE_IDS}`,
            )
          ).rows
        : [];
    const details = {
      table,
      rows: total,
      null_or_blank_ids: nullIds,
      duplicate_copies: extraCopies,
      duplicate_ids: duplicates,
      payload_id_mismatches: mismatch,
      payload_id_mismatch_sample: mismatchIds,
    };
    const problems: string[] = [];
    if (nullIds > 0) problems.push(`${nullIds} row(s) with a null or blank id`);
    if (extraCopies > 0) {
      problems.push(`${extraCopies} extra copies of ${duplicates.length}${duplicates.length === SAMPLE_IDS ? '+' : ''} id(s) (e.g. ${duplicates
        .slice(0, 3)
        .map((d) => d.id)
        .join(', ')})`);
    }
    if (mismatch > 0) problems.push(`${mismatch} row(s) whose id differs from payload.Id`);
    if (problems.length === 0) {
      return [{ check: PRIMARY_KEY_CHECK, severity: 'ok', message: `${table}: ${total} rows, every id present and unique.`, details }];
    }
    return [
      {
        check: PRIMARY_KEY_CHECK,
        severity: 'failure',
        message:
          `${table}: ${problems.join('; ')}. The table has lost its primary key or was written outside the loader: ` +
          'restore the constraint (db/init) after removing the bad rows, then re-run the affected windows with force.',
        details,
      },
    ];
  } catch (e) {
    throw dbFailure(e, `checking ids in ${table}`);
  }
}
