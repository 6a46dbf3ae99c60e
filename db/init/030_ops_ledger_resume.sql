-- Additions for resume and run history. Idempotent (ADD COLUMN / CREATE INDEX IF NOT EXISTS).
--   ops.backfill_runs.resume, force   the options the run was opened with (the run key does not include them)
--   ops.backfill_runs.open_count      how many times the run was opened: 1, plus one per resume
--   ops.backfill_runs.superseded_by   the run that replaced an unfinished one (forced or non-resumed re-run)
--   raw.qb_<entity>_realm_idx         lets the loader check in O(log n) that a table holds one company only
--                                     (min(realm_id) = max(realm_id)), before any row of another realm is written
ALTER TABLE ops.backfill_runs ADD COLUMN IF NOT EXISTS resume boolean NOT NULL DEFAULT true;
ALTER TABLE ops.backfill_runs ADD COLUMN IF NOT EXISTS force boolean NOT NULL DEFAULT false;
ALTER TABLE ops.backfill_runs ADD COLUMN IF NOT EXISTS open_count integer NOT NULL DEFAULT 1;
ALTER TABLE ops.backfill_runs ADD COLUMN IF NOT EXISTS superseded_by uuid;
CREATE INDEX IF NOT EXISTS backfill_runs_started_idx ON ops.backfill_runs (started_at_utc DESC);
CREATE INDEX IF NOT EXISTS qb_invoices_realm_idx ON raw.qb_invoices (realm_id);
CREATE INDEX IF NOT EXISTS qb_customers_realm_idx ON raw.qb_customers (realm_id);
CREATE INDEX IF NOT EXISTS qb_items_realm_idx ON raw.qb_items (realm_id);
