-- raw.qb_invoices, raw.qb_customers, raw.qb_items: one row per QBO object, its latest version seen.
-- The three tables have the same shape, so they are created from one definition. Idempotent.
--
-- Column                    Meaning
-- id                        the QBO Id (primary key; QBO Ids are unique per company and entity)
-- realm_id                  the QBO company (realm) the row came from; a load from another realm fails loudly
-- payload                   the full object exactly as QBO returned it (JSONB)
-- payload_sha256            sha256 of payload::text (computed by the merge): change detection and idempotency proof
-- source_last_updated_utc   MetaData.LastUpdatedTime converted to UTC (QBO sends Pacific offsets)
-- source_sync_token         SyncToken, QBO's version counter; with source_last_updated_utc it orders versions
-- ingested_at_utc           when this version was written (UTC)
-- extract_window_start_utc  the half-open window [start, end) whose query returned this version
-- extract_window_end_utc
-- date_field                which field the window filtered on: last_updated (MetaData.LastUpdatedTime) or txn_date
-- page_number, page_size    where in the window's paging this version was read
-- request_payload           the query and parameters sent (never a credential)
-- run_id                    the ops.backfill_runs row that wrote this version
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['qb_invoices', 'qb_customers', 'qb_items'] LOOP
    EXECUTE format($ddl$
      CREATE TABLE IF NOT EXISTS raw.%1$I (
        id                        text        NOT NULL,
        realm_id                  text        NOT NULL,
        payload                   jsonb       NOT NULL,
        payload_sha256            char(64)    NOT NULL,
        source_last_updated_utc   timestamptz NOT NULL,
        source_sync_token         bigint      NOT NULL DEFAULT 0,
        ingested_at_utc           timestamptz NOT NULL DEFAULT now(),
        extract_window_start_utc  timestamptz NOT NULL,
        extract_window_end_utc    timestamptz NOT NULL,
        date_field                text        NOT NULL DEFAULT 'last_updated',
        page_number               integer     NOT NULL,
        page_size                 integer     NOT NULL,
        request_payload           jsonb       NOT NULL,
        run_id                    uuid        NOT NULL,
        CONSTRAINT %1$s_pkey PRIMARY KEY (id),
        CONSTRAINT %1$s_id_not_blank CHECK (btrim(id) <> ''),
        CONSTRAINT %1$s_payload_id CHECK (payload ->> 'Id' = id),
        CONSTRAINT %1$s_window_order CHECK (extract_window_start_utc < extract_window_end_utc),
        CONSTRAINT %1$s_date_field CHECK (date_field IN ('last_updated', 'txn_date')),
        CONSTRAINT %1$s_in_window CHECK (
          date_field <> 'last_updated'
          OR (source_last_updated_utc >= extract_window_start_utc AND source_last_updated_utc < extract_window_end_utc)),
        CONSTRAINT %1$s_page_number CHECK (page_number >= 1),
        CONSTRAINT %1$s_page_size CHECK (page_size BETWEEN 1 AND 1000),
        CONSTRAINT %1$s_sha256_hex CHECK (payload_sha256 ~ '^[0-9a-f]{64}$')
      )$ddl$, t);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %1$s_last_updated_idx ON raw.%1$I (source_last_updated_utc)', t);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %1$s_window_idx ON raw.%1$I (extract_window_start_utc, extract_window_end_utc)', t);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %1$s_run_idx ON raw.%1$I (run_id)', t);
    EXECUTE format($c$COMMENT ON TABLE raw.%1$I IS 'QBO %2$s as received: latest version per Id, full JSONB payload and ingestion lineage.'$c$,
                   t, initcap(substr(t, 4)));
    EXECUTE format($c$COMMENT ON COLUMN raw.%1$I.payload IS 'Full QBO object as received (JSONB).'$c$, t);
    EXECUTE format($c$COMMENT ON COLUMN raw.%1$I.source_last_updated_utc IS 'MetaData.LastUpdatedTime in UTC (QBO sends a Pacific offset).'$c$, t);
    EXECUTE format($c$COMMENT ON COLUMN raw.%1$I.request_payload IS 'Query and parameters sent to QBO for this page (no credentials).'$c$, t);
    EXECUTE format($c$COMMENT ON COLUMN raw.%1$I.extract_window_start_utc IS 'Inclusive start of the UTC extraction window.'$c$, t);
    EXECUTE format($c$COMMENT ON COLUMN raw.%1$I.extract_window_end_utc IS 'Exclusive end of the UTC extraction window.'$c$, t);
  END LOOP;
END
$$;
