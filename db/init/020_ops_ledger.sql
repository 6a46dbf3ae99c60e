-- ops: the run ledger. A run is one backfill of one entity over one range; it is cut into chunks (windows).
-- A failed run is resumed by re-running with the same parameters: chunks with status 'loaded' are skipped,
-- 'extracted' chunks are re-loaded from their spool file without API calls, the rest are extracted again.
CREATE TABLE IF NOT EXISTS ops.backfill_runs (
  run_id             uuid        PRIMARY KEY,
  entity             text        NOT NULL CHECK (entity IN ('invoices', 'customers', 'items')),
  realm_id           text        NOT NULL,
  date_field         text        NOT NULL CHECK (date_field IN ('last_updated', 'txn_date')),
  range_start_utc    timestamptz NOT NULL,
  range_end_utc      timestamptz NOT NULL,
  chunk_days         numeric     NOT NULL CHECK (chunk_days > 0),
  page_size          integer     NOT NULL CHECK (page_size BETWEEN 1 AND 1000),
  status             text        NOT NULL DEFAULT 'running'
                     CHECK (status IN ('running', 'extracted', 'loaded', 'succeeded', 'failed', 'superseded')),
  origin             text        NOT NULL DEFAULT 'cli',   -- cli | mage
  origin_ref         text,                                 -- e.g. Mage pipeline run id / trigger name
  started_at_utc     timestamptz NOT NULL DEFAULT now(),
  finished_at_utc    timestamptz,
  error              jsonb,                                -- {kind, code, message}: sanitised, never a credential
  metrics            jsonb       NOT NULL DEFAULT '{}'::jsonb,
  CONSTRAINT backfill_runs_range CHECK (range_start_utc < range_end_utc)
);
CREATE INDEX IF NOT EXISTS backfill_runs_key_idx
  ON ops.backfill_runs (entity, realm_id, date_field, range_start_utc, range_end_utc, started_at_utc DESC);

CREATE TABLE IF NOT EXISTS ops.backfill_chunks (
  run_id             uuid        NOT NULL REFERENCES ops.backfill_runs (run_id) ON DELETE CASCADE,
  chunk_index        integer     NOT NULL CHECK (chunk_index >= 0),
  window_start_utc   timestamptz NOT NULL,
  window_end_utc     timestamptz NOT NULL,
  status             text        NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'extracting', 'extracted', 'loaded', 'failed')),
  spool_path         text,
  source_count       integer,       -- QBO COUNT(*) for the window at extraction time
  pages_read         integer     NOT NULL DEFAULT 0,
  rows_read          integer     NOT NULL DEFAULT 0,
  rows_inserted      integer     NOT NULL DEFAULT 0,
  rows_updated       integer     NOT NULL DEFAULT 0,
  rows_unchanged     integer     NOT NULL DEFAULT 0,
  rows_skipped       integer     NOT NULL DEFAULT 0,
  api_calls          integer     NOT NULL DEFAULT 0,
  retries            integer     NOT NULL DEFAULT 0,
  throttled          integer     NOT NULL DEFAULT 0,
  extract_ms         integer     NOT NULL DEFAULT 0,
  load_ms            integer     NOT NULL DEFAULT 0,
  attempts           integer     NOT NULL DEFAULT 0,
  error              jsonb,
  extracted_at_utc   timestamptz,
  loaded_at_utc      timestamptz,
  PRIMARY KEY (run_id, chunk_index),
  CONSTRAINT backfill_chunks_window CHECK (window_start_utc < window_end_utc)
);

CREATE TABLE IF NOT EXISTS ops.validation_results (
  id                 bigserial   PRIMARY KEY,
  run_id             uuid        NOT NULL REFERENCES ops.backfill_runs (run_id) ON DELETE CASCADE,
  entity             text        NOT NULL,
  check_name         text        NOT NULL,
  severity           text        NOT NULL CHECK (severity IN ('ok', 'warning', 'failure')),
  message            text        NOT NULL,
  details            jsonb       NOT NULL DEFAULT '{}'::jsonb,
  checked_at_utc     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS validation_results_run_idx ON ops.validation_results (run_id);
