-- Schemas of the backfill. Idempotent: run by the Postgres container at first start and by `qbo-backfill db init`.
--   raw: the landed QBO objects, one table per entity, full payload plus ingestion metadata.
--   ops: the run ledger (runs, chunks, validation results) that makes resume and evidence possible.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS ops;
COMMENT ON SCHEMA raw IS 'QuickBooks Online objects as received (JSONB) with ingestion lineage; one table per entity.';
COMMENT ON SCHEMA ops IS 'Backfill run ledger: runs, chunks, validation results.';
