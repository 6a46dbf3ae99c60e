-- ops.realm_leases, demand: the in-flight budget is split by demand (max-min fair, ts-blocks/src/http/budget-split.ts)
-- rather than evenly, so a process that needs few slots (a small entity's last pages) leaves the rest to the one
-- that can use them. Each holder publishes its demand at every renewal. Idempotent, in place (a NULL column).
--
-- Column            Meaning
-- wants_in_flight   requests its holder could usefully have in flight now (in flight + queued, its peak over the
--                   last quarter second); NULL: not measured yet (a holder that has not asked for a request, or
--                   one running code older than this file), counted as unbounded; 0 once released
ALTER TABLE ops.realm_leases ADD COLUMN IF NOT EXISTS wants_in_flight integer CHECK (wants_in_flight >= 0);
COMMENT ON COLUMN ops.realm_leases.wants_in_flight IS
  'Requests the holder could use in flight now (its demand); NULL: unknown, counted as unbounded.';
