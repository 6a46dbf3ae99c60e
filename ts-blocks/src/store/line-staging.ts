/**
 * The exporter's fast path stages each spool record line whole, as jsonb (PostgreSQL parses it once, while copying),
 * so Node neither decodes nor parses records. The rows are checked here, in SQL, before the merge; the checks are
 * at least as strict as store/staging-row.ts (a row they refuse makes the fast load fail, and the exporter loads
 * the chunks again by the row-by-row path, which names the bad record or loads what it accepts).
 */

export const LINE_STAGING_TABLE = 'qbo_stage_lines';

/**
 * No TOAST compression of the staged lines (toast_tuple_target at its maximum): each is read a few times by the
 * merge, and the raw table compresses the payload it stores anyway.
 */
export const CREATE_LINE_STAGING = `
  CREATE TEMP TABLE ${LINE_STAGING_TABLE} (
    ord          bigint  NOT NULL,
    chunk_index  integer NOT NULL,
    doc          jsonb   NOT NULL
  ) WITH (toast_tuple_target = 8160) ON COMMIT DROP`;

/**
 * COPY in CSV form with ASCII unit/record separators as delimiter and quote: a line written by JSON.stringify holds
 * neither (it escapes every control character), so its text goes in as it is, with no escaping.
 */
export const FIELD_SEPARATOR = 0x1f;
export const COPY_LINES_SQL =
  `COPY ${LINE_STAGING_TABLE} (ord, chunk_index, doc) FROM STDIN ` + `WITH (FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e')`;

const ISO_OFFSET_TIME =
  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,3})?(Z|[+-][0-9]{2}:[0-9]{2})$';

/**
 * True when a staged line is a record the fast path may load. Values are read by path (`#>`, `#>>`), which does not
 * copy the record out of the line. A value the casts of LINE_COLUMNS refuse (a date that does not exist) fails the
 * load too; these checks refuse what a cast or the raw table would accept but the row-by-row path would not.
 */
const WELL_FORMED = `
  jsonb_typeof(l.doc #> '{record,Id}') = 'string'
  AND l.doc #>> '{record,Id}' ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]*$'
  AND l.doc #>> '{record,MetaData,LastUpdatedTime}' ~ '${ISO_OFFSET_TIME}'
  AND jsonb_typeof(l.doc #> '{record,MetaData,LastUpdatedTime}') = 'string'
  AND coalesce(l.doc #>> '{record,SyncToken}' ~ '^[0-9]{1,18}$', true)
  AND coalesce(jsonb_typeof(l.doc #> '{record,SyncToken}'), 'null') IN ('null', 'string', 'number')
  AND jsonb_typeof(l.doc -> 'page_number') = 'number'
  AND jsonb_typeof(l.doc -> 'page_size') = 'number'
  AND jsonb_typeof(l.doc -> 'request_payload') = 'object'`;

/**
 * The first staged line the fast path refuses, if any: not a well-formed record, a page number or size out of range
 * (or not an integer: the cast fails), or (for last_updated windows) a record updated outside its chunk's window.
 * Parameters: $1 chunk indexes (int[]), $2 their window starts, $3 their window ends (timestamptz[]), $4 date_field.
 * Returns chunk_index and id (null if none).
 */
export const FIRST_REFUSED_LINE = `
  SELECT l.chunk_index, l.doc #>> '{record,Id}' AS id
    FROM ${LINE_STAGING_TABLE} l
    JOIN unnest($1::int[], $2::timestamptz[], $3::timestamptz[]) AS w(chunk_index, window_start, window_end)
      ON w.chunk_index = l.chunk_index
   WHERE NOT CASE
           WHEN NOT (${WELL_FORMED}) THEN false
           WHEN (l.doc ->> 'page_number')::int < 1 OR (l.doc ->> 'page_size')::int NOT BETWEEN 1 AND 1000 THEN false
           WHEN $4 = 'last_updated'
             THEN (l.doc #>> '{record,MetaData,LastUpdatedTime}')::timestamptz >= w.window_start
              AND (l.doc #>> '{record,MetaData,LastUpdatedTime}')::timestamptz < w.window_end
           ELSE true
         END
   ORDER BY l.ord
   LIMIT 1`;

/** The typed staging columns (store/merge.ts) of every staged line, for mergeSql's `staged`. */
export const LINE_COLUMNS = `
  SELECT l.ord,
         l.chunk_index,
         l.doc #>> '{record,Id}' AS id,
         l.doc -> 'record' AS payload,
         (l.doc #>> '{record,MetaData,LastUpdatedTime}')::timestamptz AS source_last_updated_utc,
         coalesce((l.doc #>> '{record,SyncToken}')::bigint, 0) AS source_sync_token,
         (l.doc ->> 'page_number')::int AS page_number,
         (l.doc ->> 'page_size')::int AS page_size,
         l.doc -> 'request_payload' AS request_payload,
         NULL::text AS payload_sha256_override,
         false AS payload_repaired
    FROM ${LINE_STAGING_TABLE} l`;
