-- ops.backfill_chunks, windows read together: consecutive windows are often read by one pass over their joint range
-- (a keyset scan or a counted offset pass, ts-blocks/src/extract/segment.ts). Its API calls, retries, 429s and time
-- cannot be split between them and are booked on the pass's first window; these columns say which pass read a
-- window, so a report shows "in pass 3-7" rather than a window read with 0 API calls. Idempotent.
--
-- Column             Meaning
-- pass_first_chunk   chunk_index of the pass's first window; NULL when the window was read alone
-- pass_last_chunk    chunk_index of the pass's last window; NULL when the window was read alone
-- pass_pages_read    pages the whole pass requested (pages_read is the window's share: the pages that delivered its
--                    rows, so a page spanning two windows counts for both); NULL when the window was read alone
ALTER TABLE ops.backfill_chunks
  ADD COLUMN IF NOT EXISTS pass_first_chunk integer,
  ADD COLUMN IF NOT EXISTS pass_last_chunk integer,
  ADD COLUMN IF NOT EXISTS pass_pages_read integer;
COMMENT ON COLUMN ops.backfill_chunks.pass_first_chunk IS
  'First window of the pass that read this one with its neighbours (its API calls are booked there); NULL: read alone.';
COMMENT ON COLUMN ops.backfill_chunks.pass_last_chunk IS
  'Last window of the pass that read this one with its neighbours; NULL: read alone.';
COMMENT ON COLUMN ops.backfill_chunks.pass_pages_read IS
  'Pages the whole pass requested (pages_read is this window''s share); NULL: read alone.';
