-- raw.qb_<entity>: the columns taken from payload fields equal them, for every row whatever wrote it.
--   qb_<entity>_payload_has_id   the payload has an Id (qb_<entity>_payload_id, payload ->> 'Id' = id, lets a payload
--                                without one through: a CHECK passes when its expression is NULL)
--   qb_<entity>_last_updated     the payload's MetaData.LastUpdatedTime has a UTC offset and is the instant in
--                                source_last_updated_utc (without an offset, its instant would depend on a session's
--                                time zone); the pattern is the validator's ISO_WITH_ZONE, and the cast of such a value
--                                does not depend on TimeZone or DateStyle
-- Both loaders derive these columns from those fields and refuse records without them. With these constraints, the
-- validator need not read every payload back: it verifies in the catalog that they are there, validated, and exactly
-- these expressions (ts-blocks/src/db/payload-constraints.ts holds the same text), and reads the payloads when not.
--
-- Idempotent, and safe on a database loaded before it: each constraint is added NOT VALID (new and updated rows are
-- checked from then on, without reading the table), then validated against the stored rows. If a stored row breaks
-- one, it stays NOT VALID with a warning naming the table; the validator then reads the payloads and names the rows
-- (re-run their windows with force, then `qbo-backfill db init` again).
DO $$
DECLARE
  t text;
  c record;
BEGIN
  FOREACH t IN ARRAY ARRAY['qb_invoices', 'qb_customers', 'qb_items'] LOOP
    FOR c IN SELECT * FROM (VALUES
        ('payload_has_id', $e$(payload ->> 'Id') IS NOT NULL$e$),
        ('last_updated', $e$CASE WHEN (payload -> 'MetaData' ->> 'LastUpdatedTime')
                    ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})$'
               THEN (payload -> 'MetaData' ->> 'LastUpdatedTime')::timestamptz = source_last_updated_utc
               ELSE false
          END$e$)) AS v(suffix, expr) LOOP
      IF NOT EXISTS (SELECT 1 FROM pg_constraint
                      WHERE conrelid = format('raw.%I', t)::regclass AND conname = t || '_' || c.suffix) THEN
        EXECUTE format('ALTER TABLE raw.%I ADD CONSTRAINT %I CHECK (%s) NOT VALID', t, t || '_' || c.suffix, c.expr);
      END IF;
      IF EXISTS (SELECT 1 FROM pg_constraint
                  WHERE conrelid = format('raw.%I', t)::regclass AND conname = t || '_' || c.suffix AND NOT convalidated) THEN
        BEGIN
          EXECUTE format('ALTER TABLE raw.%I VALIDATE CONSTRAINT %I', t, t || '_' || c.suffix);
        EXCEPTION WHEN check_violation OR invalid_datetime_format OR datetime_field_overflow THEN
          RAISE WARNING 'raw.%: stored rows break %_% (%); it stays NOT VALID and the validator reads every payload. Re-run their windows with force, then qbo-backfill db init again.',
            t, t, c.suffix, SQLERRM;
        END;
      END IF;
    END LOOP;
  END LOOP;
END
$$;
