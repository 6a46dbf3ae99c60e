-- raw.qb_<entity>: source_last_updated_utc is the payload's MetaData.LastUpdatedTime, with its UTC offset, as an
-- instant. Both loaders derive the column from that field; this constraint makes PostgreSQL refuse any row, from any
-- writer, where the two disagree or where the field is missing or has no offset (its instant would depend on a
-- session's time zone). With it, and qb_<entity>_payload_id (payload ->> 'Id' = id), the validator need not read every
-- payload back: it verifies in the catalog that both constraints are there, validated, and exactly these expressions
-- (ts-blocks/src/db/payload-constraints.ts holds the same text), and scans the payloads only when they are not.
-- The pattern is the validator's ISO_WITH_ZONE; the cast of such a value does not depend on TimeZone or DateStyle.
--
-- Idempotent, and safe on a database loaded before it: the constraint is added NOT VALID (new and updated rows are
-- checked from then on, without reading the table), then validated against the stored rows. If a stored row breaks
-- it, the constraint stays NOT VALID with a warning naming the table; the validator then scans the payloads and names
-- the rows (re-run their windows with force, then `ALTER TABLE raw.qb_<entity> VALIDATE CONSTRAINT
-- qb_<entity>_last_updated`).
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['qb_invoices', 'qb_customers', 'qb_items'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                    WHERE conrelid = format('raw.%I', t)::regclass AND conname = t || '_last_updated') THEN
      EXECUTE format($ddl$
        ALTER TABLE raw.%1$I ADD CONSTRAINT %1$s_last_updated CHECK (
          CASE WHEN (payload -> 'MetaData' ->> 'LastUpdatedTime')
                    ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})$'
               THEN (payload -> 'MetaData' ->> 'LastUpdatedTime')::timestamptz = source_last_updated_utc
               ELSE false
          END) NOT VALID$ddl$, t);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_constraint
                WHERE conrelid = format('raw.%I', t)::regclass AND conname = t || '_last_updated' AND NOT convalidated) THEN
      BEGIN
        EXECUTE format('ALTER TABLE raw.%1$I VALIDATE CONSTRAINT %1$s_last_updated', t);
      EXCEPTION WHEN check_violation OR invalid_datetime_format OR datetime_field_overflow THEN
        RAISE WARNING 'raw.%: stored rows break %_last_updated (%); it stays NOT VALID and the validator reads every payload. Re-run their windows with force, then VALIDATE CONSTRAINT.',
          t, t, SQLERRM;
      END;
    END IF;
  END LOOP;
END
$$;
