/**
 * The raw tables' CHECK constraints that tie columns to payload fields (db/init/010 `<table>_payload_id`,
 * db/init/100 `<table>_payload_has_id` and `<table>_last_updated`), and their proof in the catalog. PostgreSQL
 * refuses every row that breaks a validated CHECK constraint as it is written (a CHECK passes when its expression is
 * NULL, hence `payload_has_id` beside `payload_id`, and `id` NOT NULL), so when all three are on a table, validated
 * and exactly these expressions, no stored row can have a payload `Id` that is missing or other than its id, or a
 * `MetaData.LastUpdatedTime` that is missing, without a UTC offset, or another instant than source_last_updated_utc:
 * the validator then need not read the payloads back.
 */
import type { Pool, PoolClient } from 'pg';

/**
 * A LastUpdatedTime with a date, a time and a UTC offset (or Z). Digits as `[0-9]`, the only ones timestamptz input
 * accepts (`\d` is the locale's digit class, which under an ICU locale also holds other scripts' digits, and the cast
 * of such a value would fail), at about two thirds of `\d`'s cost per row in PostgreSQL's regex. The cast of a value
 * of this shape does not depend on the session's TimeZone or DateStyle.
 */
export const ISO_WITH_ZONE = String.raw`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})$`;

const LAST_UPDATED = `(payload -> 'MetaData' ->> 'LastUpdatedTime')`;

/** Each constraint's suffix (`<table>_<suffix>`) and expression, as db/init writes them. */
export const PAYLOAD_CONSTRAINTS = {
  payload_id: `(payload ->> 'Id') = id`,
  payload_has_id: `(payload ->> 'Id') IS NOT NULL`,
  last_updated: `CASE WHEN ${LAST_UPDATED} ~ '${ISO_WITH_ZONE}' THEN ${LAST_UPDATED}::timestamptz = source_last_updated_utc ELSE false END`,
} as const;

export type PayloadProof =
  | { readonly proved: true; readonly constraints: readonly string[] }
  | { readonly proved: false; readonly reason: string };

const PROBE = 'qbo_payload_constraint_probe';

/**
 * The definitions PostgreSQL gives these expressions (pg_get_constraintdef), from a temporary table with the raw
 * tables' column types, created and dropped in one implicit transaction: the comparison holds on any PostgreSQL
 * version, whatever text its deparser writes.
 */
const PROBE_SQL = `CREATE TEMP TABLE ${PROBE} (id text, payload jsonb, source_last_updated_utc timestamptz, ${Object.entries(PAYLOAD_CONSTRAINTS)
  .map(([name, expr]) => `CONSTRAINT ${name} CHECK (${expr})`)
  .join(', ')}) ON COMMIT DROP;
SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'pg_temp.${PROBE}'::regclass`;

/**
 * The table's CHECK constraints by definition (a NOT VALID one may hide rows written before it), and whether its `id`
 * is NOT NULL (a CHECK comparing a null id passes).
 */
const TABLE_CHECKS = `SELECT conname AS name, pg_get_constraintdef(oid) AS def, convalidated AS validated,
       (SELECT a.attnotnull FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = 'id' AND NOT a.attisdropped) AS id_not_null
  FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'c'`;

type Row = { name: string; def: string; validated?: boolean; id_not_null?: boolean };

/**
 * Whether the table's CHECK constraints prove the payload fields: `id` NOT NULL and, for each expression, a validated
 * CHECK constraint with exactly its definition (any name). Otherwise why not, for the report. A role that may not create a temporary
 * table cannot run the probe, so the payloads are read.
 */
export async function provePayloadFields(db: Pick<Pool | PoolClient, 'query'>, table: string): Promise<PayloadProof> {
  let expected: Row[];
  let onTable: Row[];
  try {
    const probe = (await db.query(PROBE_SQL)) as unknown as Array<{ rows: Row[] }>;
    const order = Object.keys(PAYLOAD_CONSTRAINTS);
    expected = [...probe[probe.length - 1].rows].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    onTable = (await db.query(TABLE_CHECKS, [table])).rows as Row[];
  } catch (e) {
    return { proved: false, reason: `the constraints could not be compared (${(e as Error).message})` };
  }
  if (onTable[0]?.id_not_null !== true) {
    return { proved: false, reason: onTable.length === 0 ? 'the table has no CHECK constraint' : 'its id column may be NULL' };
  }
  const names: string[] = [];
  for (const want of expected) {
    // (pg_get_constraintdef ends a NOT VALID constraint's definition with those words)
    const same = onTable.filter((c) => c.def.replace(/ NOT VALID$/, '') === want.def);
    const valid = same.find((c) => c.validated);
    if (!valid) {
      const suffix = `${table.split('.').pop()}_${want.name}`;
      return { proved: false, reason: same.length > 0 ? `constraint ${same[0].name} is NOT VALID` : `the table has no constraint ${suffix} as db/init defines it` };
    }
    names.push(valid.name);
  }
  return { proved: true, constraints: names };
}
