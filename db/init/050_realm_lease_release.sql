-- ops.realm_leases, released leases: a process that finishes keeps its lease as `released` until the requests it
-- started within QBO's rolling window have aged out (expires_at_utc = its last start + the window). It reserves
-- those starts (and, in flight, only requests it gave up on that QBO may still be running, until QBO's 120 s timeout
-- would have ended them: expires_at_utc is then the later of the two), takes no share of the budget, and is not
-- mistaken for a dead process (it has none). A pipeline starting right after another thus does not spend the same
-- minute's requests twice. Idempotent.
--
-- Column     Meaning
-- released   true once its process has finished: only its reservations still count, until expires_at_utc
ALTER TABLE ops.realm_leases ADD COLUMN IF NOT EXISTS released boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN ops.realm_leases.released IS
  'The process has finished; its last requests still count in QBO''s rolling window until expires_at_utc.';
