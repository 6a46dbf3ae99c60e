/**
 * The upsert from the staging table into raw.qb_<entity>, as one statement that also counts what happened.
 * payload_sha256 is computed here, by PostgreSQL, from the staged jsonb (store/payload-hash.ts).
 *
 * Versions are ordered by (source_last_updated_utc, source_sync_token). For each Id of the chunk (if a spool held
 * an Id twice, only its newest version takes part; the others count as skipped):
 *   - not in the table                       → inserted
 *   - same payload_sha256 as the stored row  → unchanged (the row is not touched: ingested_at_utc, run_id, window
 *                                              and page stay as they were, so a re-load is byte-for-byte a no-op)
 *   - older version than the stored row      → skipped (a stale version never overwrites a newer one)
 *   - otherwise (newer, or same version with a different payload) → updated
 * The ON CONFLICT … WHERE repeats the version rule, so even a writer that bypassed the table lock could not make
 * a stale version win.
 */
import { payloadSha256Sql } from './payload-hash';

export const STAGING_TABLE = 'qbo_stage';

export const CREATE_STAGING = `
  CREATE TEMP TABLE ${STAGING_TABLE} (
    ord                      bigint      NOT NULL,
    chunk_index              integer     NOT NULL,
    id                       text        NOT NULL,
    payload                  jsonb       NOT NULL,
    source_last_updated_utc  timestamptz NOT NULL,
    source_sync_token        bigint      NOT NULL,
    page_number              integer     NOT NULL,
    page_size                integer     NOT NULL,
    request_payload          jsonb       NOT NULL
  ) ON COMMIT DROP`;

export function copyStagingSql(columns: readonly string[]): string {
  return `COPY ${STAGING_TABLE} (${columns.join(', ')}) FROM STDIN`;
}

/**
 * Parameters: $1 realm_id, $2 chunk indexes (int[]), $3 their window starts, $4 their window ends (timestamptz[],
 * same order), $5 date_field, $6 run_id. The staged rows of several chunks are merged at once; each row takes its
 * chunk's window. Returns one row per chunk: chunk_index, staged, inserted, updated, unchanged (bigint counts).
 * Only the narrow (id, version, ord) tuples are sorted to find each Id's newest version, never whole payloads.
 * `staged` is the query giving the staging table's columns: by default the typed staging table itself; the fast
 * path's line staging gives them from each staged spool line (store/line-staging.ts).
 */
export function mergeSql(table: string, staged = `SELECT * FROM ${STAGING_TABLE}`): string {
  return `
  WITH staged AS NOT MATERIALIZED (${staged}),
  windows AS (
    SELECT * FROM unnest($2::int[], $3::timestamptz[], $4::timestamptz[]) AS w(chunk_index, window_start, window_end)
  ),
  newest AS (
    SELECT DISTINCT ON (id) ord
      FROM staged
     ORDER BY id, source_last_updated_utc DESC, source_sync_token DESC, ord DESC
  ),
  incoming AS (
    SELECT s.*, w.window_start, w.window_end, ${payloadSha256Sql('s.payload')} AS payload_sha256
      FROM staged s
      JOIN newest n ON n.ord = s.ord
      JOIN windows w ON w.chunk_index = s.chunk_index
  ),
  classified AS (
    SELECT i.*,
           CASE
             WHEN t.id IS NULL THEN 'insert'
             WHEN i.payload_sha256 = t.payload_sha256 THEN 'unchanged'
             WHEN (i.source_last_updated_utc, i.source_sync_token) < (t.source_last_updated_utc, t.source_sync_token)
               THEN 'stale'
             ELSE 'update'
           END AS outcome
      FROM incoming i
      LEFT JOIN ${table} t ON t.id = i.id
  ),
  written AS (
    INSERT INTO ${table} AS t (
      id, realm_id, payload, payload_sha256, source_last_updated_utc, source_sync_token, ingested_at_utc,
      extract_window_start_utc, extract_window_end_utc, date_field, page_number, page_size, request_payload, run_id)
    SELECT id, $1, payload, payload_sha256, source_last_updated_utc, source_sync_token, now(),
           window_start, window_end, $5, page_number, page_size, request_payload, $6
      FROM classified
     WHERE outcome IN ('insert', 'update')
    ON CONFLICT (id) DO UPDATE SET
      realm_id = EXCLUDED.realm_id,
      payload = EXCLUDED.payload,
      payload_sha256 = EXCLUDED.payload_sha256,
      source_last_updated_utc = EXCLUDED.source_last_updated_utc,
      source_sync_token = EXCLUDED.source_sync_token,
      ingested_at_utc = EXCLUDED.ingested_at_utc,
      extract_window_start_utc = EXCLUDED.extract_window_start_utc,
      extract_window_end_utc = EXCLUDED.extract_window_end_utc,
      date_field = EXCLUDED.date_field,
      page_number = EXCLUDED.page_number,
      page_size = EXCLUDED.page_size,
      request_payload = EXCLUDED.request_payload,
      run_id = EXCLUDED.run_id
    WHERE t.realm_id = EXCLUDED.realm_id
      AND t.payload_sha256 <> EXCLUDED.payload_sha256
      AND (EXCLUDED.source_last_updated_utc, EXCLUDED.source_sync_token)
          >= (t.source_last_updated_utc, t.source_sync_token)
    RETURNING (xmax = 0) AS inserted, extract_window_start_utc AS window_start
  )
  SELECT w.chunk_index,
         coalesce(s.n, 0)   AS staged,
         coalesce(x.ins, 0) AS inserted,
         coalesce(x.upd, 0) AS updated,
         coalesce(u.n, 0)   AS unchanged
    FROM windows w
    LEFT JOIN (SELECT chunk_index, count(*) AS n FROM staged GROUP BY chunk_index) s ON s.chunk_index = w.chunk_index
    LEFT JOIN (SELECT window_start, count(*) FILTER (WHERE inserted) AS ins, count(*) FILTER (WHERE NOT inserted) AS upd
                 FROM written GROUP BY window_start) x ON x.window_start = w.window_start
    LEFT JOIN (SELECT chunk_index, count(*) AS n FROM classified WHERE outcome = 'unchanged' GROUP BY chunk_index) u
           ON u.chunk_index = w.chunk_index
   ORDER BY w.chunk_index`;
}
