/**
 * The upsert from the staging table into raw.qb_<entity>: first each Id's newest version is made ready (typed, with
 * its window and payload_sha256, computed by PostgreSQL from the staged jsonb: store/payload-hash.ts), then one
 * statement under the raw table's lock classifies, writes and counts what happened.
 *
 * Versions are ordered by (source_last_updated_utc, source_sync_token). For each Id of the chunk (if a spool held
 * an Id twice, only its newest version takes part; the others count as skipped):
 *   - not in the table                       → inserted
 *   - same payload_sha256 as the stored row  → unchanged (the row is not touched: ingested_at_utc, run_id, window
 *     (and the row is live)                    and page stay as they were, so a re-load is byte-for-byte a no-op)
 *   - older version than the stored row      → skipped (a stale version never overwrites a newer one)
 *   - otherwise (newer, or same version with a different payload) → updated; a row marked deleted
 *     (source_deleted_at_utc) that a later run read from QBO again is live again: updated, its mark cleared (the
 *     marking run's own re-loads, e.g. the validator's idempotency proof, leave its marks as they are)
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
    request_payload          jsonb       NOT NULL,
    payload_sha256_override  text,
    payload_repaired         boolean     NOT NULL DEFAULT false
  ) ON COMMIT DROP`;

export function copyStagingSql(columns: readonly string[]): string {
  return `COPY ${STAGING_TABLE} (${columns.join(', ')}) FROM STDIN`;
}

export const READY_TABLE = 'qbo_ready';

/** Each Id's newest staged version, typed, with its chunk's window and payload_sha256: what the merge writes. */
export const CREATE_READY = `
  CREATE TEMP TABLE ${READY_TABLE} (
    ord                      bigint      NOT NULL,
    chunk_index              integer     NOT NULL,
    id                       text        NOT NULL,
    payload                  jsonb       NOT NULL,
    payload_sha256           text        NOT NULL,
    source_last_updated_utc  timestamptz NOT NULL,
    source_sync_token        bigint      NOT NULL,
    page_number              integer     NOT NULL,
    page_size                integer     NOT NULL,
    request_payload          jsonb       NOT NULL,
    window_start             timestamptz NOT NULL,
    window_end               timestamptz NOT NULL,
    payload_repaired         boolean     NOT NULL
  ) ON COMMIT DROP`;

/**
 * Fills the ready table from the staged rows, before the raw table's lock is taken (so it overlaps another load's
 * merge): each Id's newest version only (only the narrow (id, version, ord) tuples are sorted, never whole
 * payloads), its chunk's window, and payload_sha256 (the payload is compressed here too, once). `staged` is the
 * query giving the staging table's columns: by default the typed staging table itself; the fast path gives them
 * from each staged spool line (store/line-staging.ts). Parameters: $1 chunk indexes (int[]), $2 their window
 * starts, $3 their window ends (timestamptz[], same order).
 */
export function prepareSql(staged = `SELECT * FROM ${STAGING_TABLE}`): string {
  return `
  INSERT INTO ${READY_TABLE}
  WITH staged AS NOT MATERIALIZED (${staged}),
  newest AS (
    SELECT DISTINCT ON (id) ord
      FROM staged
     ORDER BY id, source_last_updated_utc DESC, source_sync_token DESC, ord DESC
  )
  SELECT s.ord, s.chunk_index, s.id, s.payload, coalesce(s.payload_sha256_override, ${payloadSha256Sql('s.payload')}),
         s.source_last_updated_utc, s.source_sync_token, s.page_number, s.page_size, s.request_payload, w.window_start,
         w.window_end, s.payload_repaired
    FROM staged s
    JOIN newest n ON n.ord = s.ord
    JOIN unnest($1::int[], $2::timestamptz[], $3::timestamptz[]) AS w(chunk_index, window_start, window_end)
      ON w.chunk_index = s.chunk_index`;
}

/** Rows staged per chunk (every version read, superseded ones included). */
export function stagedCountsSql(stagingTable: string): string {
  return `SELECT chunk_index, count(*)::int AS n FROM ${stagingTable} GROUP BY chunk_index`;
}

/**
 * The upsert from the ready table, under the raw table's lock. Parameters: $1 realm_id, $2 date_field, $3 run_id.
 * Returns one row per chunk with ready rows: chunk_index, inserted, updated, unchanged (bigint counts). Only
 * (ord, chunk, window, outcome) tuples are kept between the classification and the insert, never payloads.
 */
export function mergeSql(table: string): string {
  return `
  WITH classified AS (
    SELECT r.ord, r.chunk_index, r.window_start,
           CASE
             WHEN t.id IS NULL THEN 'insert'
             WHEN r.payload_sha256 = t.payload_sha256
              AND (t.source_deleted_at_utc IS NULL OR t.source_deleted_run_id = $3) THEN 'unchanged'
             WHEN (r.source_last_updated_utc, r.source_sync_token) < (t.source_last_updated_utc, t.source_sync_token)
               THEN 'stale'
             ELSE 'update'
           END AS outcome
      FROM ${READY_TABLE} r
      LEFT JOIN ${table} t ON t.id = r.id
  ),
  written AS (
    INSERT INTO ${table} AS t (
      id, realm_id, payload, payload_sha256, source_last_updated_utc, source_sync_token, ingested_at_utc,
      extract_window_start_utc, extract_window_end_utc, date_field, page_number, page_size, request_payload, run_id,
      payload_repaired)
    SELECT r.id, $1, r.payload, r.payload_sha256, r.source_last_updated_utc, r.source_sync_token, now(),
           r.window_start, r.window_end, $2, r.page_number, r.page_size, r.request_payload, $3, r.payload_repaired
      FROM ${READY_TABLE} r
      JOIN classified c ON c.ord = r.ord
     WHERE c.outcome IN ('insert', 'update')
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
      run_id = EXCLUDED.run_id,
      payload_repaired = EXCLUDED.payload_repaired,
      source_deleted_at_utc = NULL,
      source_deleted_by = NULL,
      source_deleted_run_id = NULL
    WHERE t.realm_id = EXCLUDED.realm_id
      AND (t.payload_sha256 <> EXCLUDED.payload_sha256
           OR (t.source_deleted_at_utc IS NOT NULL AND t.source_deleted_run_id IS DISTINCT FROM EXCLUDED.run_id))
      AND (EXCLUDED.source_last_updated_utc, EXCLUDED.source_sync_token)
          >= (t.source_last_updated_utc, t.source_sync_token)
    RETURNING (xmax = 0) AS inserted, extract_window_start_utc AS window_start
  )
  SELECT c.chunk_index,
         coalesce(x.ins, 0) AS inserted,
         coalesce(x.upd, 0) AS updated,
         c.unchanged
    FROM (SELECT chunk_index, window_start, count(*) FILTER (WHERE outcome = 'unchanged') AS unchanged
            FROM classified GROUP BY chunk_index, window_start) c
    LEFT JOIN (SELECT window_start, count(*) FILTER (WHERE inserted) AS ins, count(*) FILTER (WHERE NOT inserted) AS upd
                 FROM written GROUP BY window_start) x ON x.window_start = c.window_start`;
}
