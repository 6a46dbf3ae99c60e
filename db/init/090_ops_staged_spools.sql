-- ops.staged_spools: spool record lines copied into PostgreSQL by the loader while it waits on QBO
-- (ts-blocks/src/store/pre-stage.ts), so the exporter merges from them instead of copying every line again after the
-- extraction (ts-blocks/src/store/load-staged.ts). A cache, never the source of truth: the exporter uses a chunk's
-- staged lines only under its marker here, naming the SHA-256 of the chunk's spool file as it is now and the number
-- of lines staged; otherwise it reads the spool file, as without them. Idempotent.
--
-- The lines themselves go to one table per run, ops.staged_lines_<run_id without dashes> (chunk_index, line, doc: the
-- line's position among the file's record lines as written, 1-based, and the line), created by the loader and dropped
-- when the run's export ends, so they never leave dead rows behind. Both are UNLOGGED: nothing here is worth a WAL
-- write, and a server crash empties them together (a marker never survives its lines).
--
-- Column          Meaning
-- spool_sha256    SHA-256 (hex) of the whole spool file the chunk's lines are from
-- lines           record lines staged for the chunk (its footer's rows)
CREATE UNLOGGED TABLE IF NOT EXISTS ops.staged_spools (
  run_id         uuid        NOT NULL,
  chunk_index    integer     NOT NULL,
  spool_sha256   text        NOT NULL CHECK (spool_sha256 ~ '^[0-9a-f]{64}$'),
  lines          integer     NOT NULL CHECK (lines >= 0),
  staged_at_utc  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, chunk_index)
);
COMMENT ON TABLE ops.staged_spools IS
  'One row per chunk whose lines the loader staged in ops.staged_lines_<run>: the spool file''s SHA-256 and line count.';
