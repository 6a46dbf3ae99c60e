-- ops.realm_leases: the processes sending QBO requests for a company (realm) right now. QBO's limits (500
-- requests per minute, 10 in flight) are per company, so the loaders of the three pipelines (and any CLI run)
-- share them: each process holds a lease here, renews it every few seconds and, under the realm's advisory lock,
-- takes its share of the budget from the other live leases (ts-blocks/src/http/budget-split.ts). A lease not
-- renewed before expires_at_utc belongs to a dead process: it is ignored and removed. Idempotent.
--
-- Column               Meaning
-- lease_id             one per process (random)
-- realm_id             the QBO company whose budget is shared
-- holder               who holds it: role, pid and host (for operators; never a credential)
-- budget_in_flight     the realm budget this holder is configured with (QBO_MAX_IN_FLIGHT) ...
-- budget_per_window    ... and (QBO_REQUESTS_PER_MINUTE per QBO_RATE_WINDOW_MS); the smallest among live leases wins
-- reserved_in_flight   what this holder may have in flight until its next renewal: max(its cap, its usage)
-- reserved_per_window  what it may have started within the rolling window: max(its cap, its usage)
-- paused_until_utc     after a 429, when its holder resumes; the others adopt the pause at their next renewal
CREATE TABLE IF NOT EXISTS ops.realm_leases (
  lease_id             uuid        PRIMARY KEY,
  realm_id             text        NOT NULL,
  holder               text        NOT NULL,
  budget_in_flight     integer     NOT NULL CHECK (budget_in_flight >= 1),
  budget_per_window    integer     NOT NULL CHECK (budget_per_window >= 1),
  reserved_in_flight   integer     NOT NULL DEFAULT 0 CHECK (reserved_in_flight >= 0),
  reserved_per_window  integer     NOT NULL DEFAULT 0 CHECK (reserved_per_window >= 0),
  paused_until_utc     timestamptz,
  acquired_at_utc      timestamptz NOT NULL,
  renewed_at_utc       timestamptz NOT NULL,
  expires_at_utc       timestamptz NOT NULL,
  CONSTRAINT realm_leases_expiry CHECK (expires_at_utc > renewed_at_utc)
);
CREATE INDEX IF NOT EXISTS realm_leases_realm_idx ON ops.realm_leases (realm_id, expires_at_utc);
COMMENT ON TABLE ops.realm_leases IS
  'Processes currently sending QBO requests per realm, and the share of the per-company limits each has reserved.';
