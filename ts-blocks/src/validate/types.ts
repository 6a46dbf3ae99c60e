/**
 * What a validation check returns, and what the checks know about the run they validate.
 * Every check is a small module `(ctx) => Promise<CheckResult[]>`; the runner stores the results in
 * ops.validation_results and emits them as `validation` events.
 */
import type { Entity } from '../core/events';
import type { DateField } from '../core/types';

export type Severity = 'ok' | 'warning' | 'failure';

export interface CheckResult {
  /** Stable name, e.g. `primary_key`, `source_count`, `idempotency`. */
  readonly check: string;
  readonly severity: Severity;
  /** One sentence a reviewer can act on: what was found, and for a problem what to do. */
  readonly message: string;
  readonly details: Record<string, unknown>;
}

/** One chunk of the run, as the ledger holds it (ops.backfill_chunks). */
export interface RunChunk {
  readonly index: number;
  readonly windowStart: Date;
  readonly windowEnd: Date;
  readonly status: string;
  readonly spoolPath: string | null;
  readonly sourceCount: number | null;
  readonly pagesRead: number;
  readonly rowsRead: number;
  readonly rowsInserted: number;
  readonly rowsUpdated: number;
  readonly rowsUnchanged: number;
  readonly rowsSkipped: number;
  /** Rows of the window marked deleted by this run (QBO confirmed them gone). */
  readonly rowsDeleted?: number;
  readonly apiCalls: number;
  readonly retries: number;
  readonly throttled: number;
  readonly extractMs: number;
  readonly loadMs: number;
  readonly attempts: number;
  readonly extractedAt: Date | null;
  readonly loadedAt: Date | null;
  /** The pass that read this chunk with its neighbours (its API calls are booked on the pass's first chunk). */
  readonly readPass: { readonly first: number; readonly last: number; readonly pages: number } | null;
}

/** One run (ops.backfill_runs) with its chunks in index order. */
export interface RunInfo {
  readonly runId: string;
  readonly entity: Entity;
  readonly realmId: string;
  readonly dateField: DateField;
  readonly rangeStart: Date;
  readonly rangeEnd: Date;
  readonly chunkDays: number;
  readonly pageSize: number;
  readonly status: string;
  readonly origin: string;
  readonly originRef: string | null;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly metrics: Record<string, unknown>;
  readonly chunks: readonly RunChunk[];
}

export const SEVERITY_RANK: Record<Severity, number> = { ok: 0, warning: 1, failure: 2 };

export function worstSeverity(severities: Iterable<Severity>): Severity {
  let worst: Severity = 'ok';
  for (const s of severities) if (SEVERITY_RANK[s] > SEVERITY_RANK[worst]) worst = s;
  return worst;
}

/** How many ids a result lists at most (the count is always exact). */
export const SAMPLE_IDS = 20;
