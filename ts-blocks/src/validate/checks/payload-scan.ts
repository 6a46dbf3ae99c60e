/**
 * One pass over a raw table's rows for the two checks that read payload fields: `primary_key` (the id is the
 * payload's `Id`; the rows and the null or blank ids are counted in the same pass) and `timestamps_utc`
 * (source_last_updated_utc is the payload's `MetaData.LastUpdatedTime`).
 *
 * When the table's CHECK constraints prove both payload fields (db/payload-constraints.ts: validated, exactly the
 * expressions db/init writes), PostgreSQL has refused every row breaking them as it was written, so the pass reads
 * only the columns (at 100,000 invoices ~40 ms, against ~600 ms decompressing every payload), and says which
 * constraints it relied on. Otherwise (a table restored without them, created by hand, or holding rows from before
 * the constraint, NOT VALID) every payload is read: each decompressed once (`jsonb_to_record` takes both fields from
 * one read, where `->>` twice decompressed it twice). A table holding a payload that is not a JSON object
 * (jsonb_to_record refuses it) is scanned again reading each field with `->>`, which gives such a row null fields,
 * so the counts are the same either way.
 */
import type { Entity } from '../../core/events';
import { ISO_WITH_ZONE, provePayloadFields } from '../../db/payload-constraints';
import { rawTable, type Queryable } from '../run-info';

export interface PayloadCounts {
  /** Rows scanned, and those with a null or blank id (for `primary_key`). */
  readonly rows: number;
  readonly null_or_blank_ids: number;
  readonly payload_id_mismatch: number;
  readonly missing_last_updated: number;
  readonly last_updated_without_zone: number;
  readonly last_updated_mismatch: number;
  readonly updated_after_ingestion: number;
  readonly ingested_in_future: number;
  /** How the payload fields were checked: by which constraints, or read from every payload and why. */
  readonly payload_fields: string;
}

/** Each row's id, payload Id, payload LastUpdatedTime and time columns; the payload decompressed once per row. */
const ONE_READ = (table: string) => `SELECT t.id, p."Id" AS pid, p."MetaData" ->> 'LastUpdatedTime' AS lu,
       t.source_last_updated_utc AS slu, t.ingested_at_utc AS ingested
  FROM ${table} t CROSS JOIN LATERAL jsonb_to_record(t.payload) AS p("Id" text, "MetaData" jsonb)`;

/** The same rows, each field read by its own operator (any payload, object or not). */
const FIELD_READS = (table: string) => `SELECT id, payload ->> 'Id' AS pid, payload -> 'MetaData' ->> 'LastUpdatedTime' AS lu,
       source_last_updated_utc AS slu, ingested_at_utc AS ingested
  FROM ${table}`;

const countsSql = (rows: string) => `SELECT
       count(*) AS rows,
       count(*) FILTER (WHERE id IS NULL OR btrim(id) = '') AS null_or_blank_ids,
       count(*) FILTER (WHERE pid IS DISTINCT FROM id) AS payload_id_mismatch,
       count(*) FILTER (WHERE lu IS NULL) AS missing_last_updated,
       count(*) FILTER (WHERE NOT zoned) AS last_updated_without_zone,
       count(*) FILTER (WHERE zoned AND lu::timestamptz <> slu) AS last_updated_mismatch,
       count(*) FILTER (WHERE slu > ingested) AS updated_after_ingestion,
       count(*) FILTER (WHERE ingested > now() + make_interval(secs => $2::double precision / 1000)) AS ingested_in_future
  FROM (SELECT id, pid, lu, lu ~ $1 AS zoned, slu, ingested FROM (${rows}) r) t`;

/** The same counts from the columns alone, for a table whose validated constraints prove the payload fields. */
const columnCountsSql = (table: string) => `SELECT
       count(*) AS rows,
       count(*) FILTER (WHERE id IS NULL OR btrim(id) = '') AS null_or_blank_ids,
       0 AS payload_id_mismatch, 0 AS missing_last_updated, 0 AS last_updated_without_zone, 0 AS last_updated_mismatch,
       count(*) FILTER (WHERE source_last_updated_utc > ingested_at_utc) AS updated_after_ingestion,
       count(*) FILTER (WHERE ingested_at_utc > now() + make_interval(secs => $1::double precision / 1000)) AS ingested_in_future
  FROM ${table}`;

/** PostgreSQL's refusal of a non-object in jsonb_to_record ("cannot call ... on a scalar/an array"). */
function isNotAnObject(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err.code === '22023' && /cannot call|scalar|array/i.test(err.message ?? '');
}

function toCounts(row: Record<string, string>, payloadFields: string): PayloadCounts {
  return { ...Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])), payload_fields: payloadFields } as unknown as PayloadCounts;
}

/** The payload counts of every row of `table` (skewMs: how far in the future an ingestion time may lie). */
export async function scanPayloads(db: Queryable, table: string, skewMs: number): Promise<PayloadCounts> {
  const proof = await provePayloadFields(db, table);
  if (proof.proved) {
    const { rows } = await db.query(columnCountsSql(table), [skewMs]);
    return toCounts(rows[0] as Record<string, string>, `proved by validated constraints ${proof.constraints.join(', ')}`);
  }
  const read = `read from every payload: ${proof.reason}`;
  try {
    const { rows } = await db.query(countsSql(ONE_READ(table)), [ISO_WITH_ZONE, skewMs]);
    return toCounts(rows[0] as Record<string, string>, read);
  } catch (e) {
    if (!isNotAnObject(e)) throw e;
    const { rows } = await db.query(countsSql(FIELD_READS(table)), [ISO_WITH_ZONE, skewMs]);
    return toCounts(rows[0] as Record<string, string>, read);
  }
}

/** One scan shared by the checks of one validation: the first to ask starts it, the others wait for it. */
export function sharedPayloadScan(db: Queryable, entity: Entity, skewMs: number): () => Promise<PayloadCounts> {
  let scan: Promise<PayloadCounts> | undefined;
  return () => (scan ??= scanPayloads(db, rawTable(entity), skewMs));
}
