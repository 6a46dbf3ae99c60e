-- raw equals the source: deletions QBO confirmed, and records jsonb cannot hold. Idempotent, in place: every
-- column added is NULL or has a constant default, so PostgreSQL (11+) adds it without rewriting the table.
--
-- raw.qb_<entity> columns
-- source_deleted_at_utc   NULL: the record is live in QBO. Otherwise when QBO deleted it (the time CDC reports)
--                         or, where QBO does not say (a by-id lookup that no longer finds it), when the deletion
--                         was detected. The row keeps the last payload read; if QBO returns the Id again, the
--                         next load sets this back to NULL. Only invoices are ever deleted by QBO: customers and
--                         items become inactive instead (payload Active = false), so theirs stays NULL.
-- source_deleted_by       how the deletion was confirmed: 'cdc' (QBO's change data capture, last 30 days) or
--                         'lookup' (a WHERE Id IN (...) query over ids the run no longer returned)
-- source_deleted_run_id   the run that marked the row
-- payload_repaired        true when QBO's JSON held what jsonb cannot store (an escaped NUL, \u0000, or an unpaired
--                         UTF-16 surrogate escape, \ud800..\udfff): each such escape is stored as U+FFFD, and QBO's
--                         exact text is kept in ops.unstorable_payloads; payload_sha256 is then the SHA-256 of that
--                         exact text (so a re-run of the same data is unchanged)
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['qb_invoices', 'qb_customers', 'qb_items'] LOOP
    EXECUTE format('ALTER TABLE raw.%1$I ADD COLUMN IF NOT EXISTS source_deleted_at_utc timestamptz', t);
    EXECUTE format($c$ALTER TABLE raw.%1$I ADD COLUMN IF NOT EXISTS source_deleted_by text
                     CONSTRAINT %1$s_deleted_by CHECK (source_deleted_by IN ('cdc', 'lookup'))$c$, t);
    EXECUTE format('ALTER TABLE raw.%1$I ADD COLUMN IF NOT EXISTS source_deleted_run_id uuid', t);
    EXECUTE format('ALTER TABLE raw.%1$I ADD COLUMN IF NOT EXISTS payload_repaired boolean NOT NULL DEFAULT false', t);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %1$s_deleted_idx ON raw.%1$I (source_deleted_at_utc) WHERE source_deleted_at_utc IS NOT NULL', t);
    EXECUTE format($c$COMMENT ON COLUMN raw.%1$I.source_deleted_at_utc IS
                     'NULL: live in QBO. Else when QBO deleted it (CDC) or when a by-id lookup found it gone.'$c$, t);
    EXECUTE format($c$COMMENT ON COLUMN raw.%1$I.payload_repaired IS
                     'QBO sent an escaped NUL or unpaired surrogate: stored as U+FFFD; exact text in ops.unstorable_payloads.'$c$, t);
  END LOOP;
END
$$;

-- ops.source_deletions: the deletions a run confirmed at QBO (written by the loader, applied to raw by the
-- exporter once every chunk is loaded, listed by the validator).
CREATE TABLE IF NOT EXISTS ops.source_deletions (
  run_id            uuid        NOT NULL,   -- ops.backfill_runs.run_id
  id                text        NOT NULL,
  deleted_at_utc    timestamptz NOT NULL,
  detected_by       text        NOT NULL CHECK (detected_by IN ('cdc', 'lookup')),
  detected_at_utc   timestamptz NOT NULL DEFAULT now(),
  marked            boolean     NOT NULL DEFAULT false,   -- true once this run marked the raw row
  PRIMARY KEY (run_id, id)
);

-- ops.unstorable_payloads: QBO's exact text of each record whose JSON jsonb cannot hold, per run that read it.
CREATE TABLE IF NOT EXISTS ops.unstorable_payloads (
  entity            text        NOT NULL,
  id                text        NOT NULL,
  run_id            uuid        NOT NULL,   -- ops.backfill_runs.run_id
  original          bytea       NOT NULL,   -- the record's JSON exactly as QBO sent it (UTF-8)
  fields            text[]      NOT NULL,   -- the JSON paths of the strings that held the unstorable escapes
  captured_at_utc   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (entity, id, run_id)
);
COMMENT ON TABLE ops.unstorable_payloads IS
  'Exact QBO text (bytes) of records whose JSON jsonb rejects; raw holds them with payload_repaired = true.';

ALTER TABLE ops.backfill_chunks ADD COLUMN IF NOT EXISTS rows_deleted integer NOT NULL DEFAULT 0;
