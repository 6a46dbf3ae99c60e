/**
 * Integrity: every row has an id (not null, not blank), no id appears twice, and the id is the payload's `Id`.
 * Judged by the rows, without trusting the table's CHECK constraints by name: a table restored without them, or
 * created by hand, is judged the same. Rows, null or blank ids and payload ids are counted by the shared payload
 * scan, which relies on the payload-Id constraint only once the catalog shows it validated and exactly as db/init
 * defines it (./payload-scan.ts). Duplicate
 * ids are counted over the rows (a hash aggregate of every id) unless the table has a unique index on `id` alone
 * that PostgreSQL enforces now (valid, ready, immediate, not partial, not on an expression): PostgreSQL has then
 * refused every duplicate as it was written, so none can be stored, and the check names that index as its proof.
 */
import { dbFailure, rawTable, type Queryable } from '../run-info';
import { SAMPLE_IDS, type CheckResult, type RunInfo } from '../types';
import { scanPayloads, type PayloadCounts } from './payload-scan';

export const PRIMARY_KEY_CHECK = 'primary_key';

/** The name of an enforced unique index on the table's `id` column alone, if there is one. */
async function uniqueIdIndex(db: Queryable, table: string): Promise<string | undefined> {
  const { rows } = await db.query(
    `SELECT i.indexrelid::regclass::text AS name
       FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] AND a.attname = 'id'
      WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indisvalid AND i.indisready AND i.indislive
        AND i.indimmediate AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indnkeyatts = 1
      ORDER BY i.indisprimary DESC, 1 LIMIT 1`,
    [table],
  );
  return rows[0]?.name as string | undefined;
}

/** Copies beyond the first of each non-blank id, counted over every row (by hash: count(DISTINCT) sorts every id). */
async function extraCopiesByRows(db: Queryable, table: string): Promise<number> {
  const { rows } = await db.query(
    `SELECT coalesce(sum(n - 1), 0)::bigint AS extra_copies
       FROM (SELECT count(*) AS n FROM ${table} WHERE btrim(id) <> '' GROUP BY id) per_id`,
  );
  return Number(rows[0].extra_copies);
}

/**
 * `payloads`: the validation's shared scan of the payloads (./payload-scan.ts), which also serves `timestamps_utc`;
 * without it the check scans them itself. `seenRows` is told the table's row count (the report prints it).
 */
export async function checkPrimaryKey(
  db: Queryable, run: RunInfo, payloads?: () => Promise<PayloadCounts>, seenRows?: (rows: number) => void,
): Promise<CheckResult[]> {
  const table = rawTable(run.entity);
  try {
    const index = await uniqueIdIndex(db, table);
    const [extraCopies, scanned] = await Promise.all([
      index === undefined ? extraCopiesByRows(db, table) : Promise.resolve(0),
      payloads ? payloads() : scanPayloads(db, table, 0),
    ]);
    const total = scanned.rows;
    const nullIds = scanned.null_or_blank_ids;
    seenRows?.(total);
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
      duplicates_ruled_out_by: index === undefined ? 'a count of every id' : `unique index ${index}`,
      payload_id_mismatches: mismatch,
      payload_id_mismatch_sample: mismatchIds,
      payload_fields: scanned.payload_fields,
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
      const unique = index === undefined ? 'counted over every row' : `enforced by unique index ${index}`;
      return [{ check: PRIMARY_KEY_CHECK, severity: 'ok', message: `${table}: ${total} rows, every id present and unique (${unique}).`, details }];
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
