/**
 * Which records of a run's range QBO deleted. A row is only ever marked when QBO confirms the record is gone — never
 * because a window happened not to return it (a record updated since has moved to a later window, not away):
 *  1. CDC, for the part of the range inside its horizon (30 days): one `GET /cdc` from max(range start, horizon),
 *     asked again from the latest object only when QBO cut the answer at 1000 objects. Deleted objects come with
 *     the time QBO deleted them. Asked after every window was read, so it also sees deletions made during the run.
 *  2. By Id, for older deletions: when the run has read every window of its range, the live raw rows of the range
 *     it did not return (usually none) are asked for by `SELECT * FROM <Entity> WHERE Id IN (…)`, in batches; those
 *     QBO does not return are gone (detected now).
 * Only entities QBO deletes (entity.deletable) are looked at; customers and items become inactive instead.
 * The confirmed deletions are recorded for the run (ops.source_deletions); the exporter marks the raw rows once
 * every chunk is loaded, so a record the run read before it was deleted still ends up marked.
 */
import type { EntityDefinition } from '../entities/types';
import type { Clock } from '../http/clock';
import { emptyCallMetrics, type CallMetrics } from '../http/call-context';
import type { QboClient } from '../http/qbo-client';
import type { ConfirmedDeletion, SourceDeletions } from '../ledger/source-deletions';
import type { DateField } from '../core/types';
import { CDC_MAX_OBJECTS, readCdc } from '../query/cdc';
import { instantLiteral, quote } from '../query/literals';
import { readRecords } from '../query/response';

/** CDC reaches 30 days back; an hour is kept as margin for clock skew. */
export const CDC_HORIZON_MS = 30 * 86_400_000 - 3_600_000;
/** Ids per by-id lookup query (each answer holds at most this many records, well under MAXRESULTS 1000). */
export const LOOKUP_BATCH = 500;
/** Re-asks of a CDC answer cut at 1000 objects before leaving the rest to the lookup. */
const MAX_CDC_REQUESTS = 20;

export interface DeletionScope {
  readonly runId: string;
  readonly entity: EntityDefinition;
  readonly realmId: string;
  readonly dateField: DateField;
  readonly from: Date;
  readonly to: Date;
}

export interface DeletionDeps {
  readonly client: QboClient;
  readonly store: SourceDeletions;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
}

export interface DeletionOutcome {
  readonly confirmed: number;
  readonly cdc_requests: number;
  readonly lookup_requests: number;
  /** Live rows of the range the run did not return, looked up by Id. */
  readonly looked_up: number;
  /** Why no lookup was made although the entity is deletable (e.g. an earlier chunk's ids are unknown). */
  readonly lookup_skipped?: string;
}

async function cdcDeletions(deps: DeletionDeps, scope: DeletionScope, metrics: CallMetrics): Promise<ConfirmedDeletion[]> {
  const horizon = new Date(Math.ceil((deps.clock.now() - CDC_HORIZON_MS) / 1000) * 1000);
  if (scope.to <= horizon) return [];
  let since = scope.from > horizon ? scope.from : horizon;
  const found = new Map<string, ConfirmedDeletion>();
  for (let asked = 0; asked < MAX_CDC_REQUESTS; asked++) {
    const body = await deps.client.getCdc(scope.entity.qboEntity, instantLiteral(since), { metrics, signal: deps.signal });
    const answer = readCdc(body, scope.entity.qboEntity);
    const now = new Date(deps.clock.now());
    for (const d of answer.deleted) found.set(d.id, { id: d.id, deletedAt: d.deletedAt ?? now, detectedBy: 'cdc' });
    const next = answer.latest && new Date(Math.floor(answer.latest.getTime() / 1000) * 1000);
    if (answer.objects < CDC_MAX_OBJECTS || !next || next <= since) break;
    since = next;
  }
  return [...found.values()];
}

function lookupStatement(entity: EntityDefinition, ids: readonly string[]): string {
  const clauses = [`Id IN (${ids.map(quote).join(', ')})`, ...entity.extraFilters];
  return `SELECT * FROM ${entity.qboEntity} WHERE ${clauses.join(' AND ')} MAXRESULTS 1000`;
}

async function lookupDeletions(deps: DeletionDeps, scope: DeletionScope, ids: readonly string[], metrics: CallMetrics): Promise<ConfirmedDeletion[]> {
  const gone: ConfirmedDeletion[] = [];
  for (let i = 0; i < ids.length; i += LOOKUP_BATCH) {
    const batch = ids.slice(i, i + LOOKUP_BATCH);
    const body = await deps.client.postQuery(lookupStatement(scope.entity, batch), { metrics, signal: deps.signal });
    const present = new Set(readRecords(body, scope.entity.qboEntity).map((r) => r.Id));
    const now = new Date(deps.clock.now());
    for (const id of batch) if (!present.has(id)) gone.push({ id, deletedAt: now, detectedBy: 'lookup' });
  }
  return gone;
}

/**
 * Detects and records the run's confirmed deletions. `seen`: every Id the run returned over its whole range, or
 * undefined when that is not known (then only CDC is asked). Requests are counted into `metrics`.
 */
export async function detectDeletions(
  deps: DeletionDeps,
  scope: DeletionScope,
  seen: ReadonlySet<string> | undefined,
  metrics: CallMetrics = emptyCallMetrics(),
): Promise<DeletionOutcome> {
  if (!scope.entity.deletable) return { confirmed: 0, cdc_requests: 0, lookup_requests: 0, looked_up: 0 };
  const before = metrics.api_calls;
  const cdc = await cdcDeletions(deps, scope, metrics);
  const cdcRequests = metrics.api_calls - before;
  const byCdc = new Set(cdc.map((d) => d.id));
  let candidates: string[] = [];
  if (seen) {
    const live = await deps.store.liveIds({ entity: scope.entity.name, realmId: scope.realmId, dateField: scope.dateField, from: scope.from, to: scope.to });
    candidates = live.filter((id) => !seen.has(id) && !byCdc.has(id));
  }
  const looked = await lookupDeletions(deps, scope, candidates, metrics);
  const confirmed = [...cdc, ...looked];
  await deps.store.record(scope.runId, confirmed);
  return {
    confirmed: confirmed.length,
    cdc_requests: cdcRequests,
    lookup_requests: metrics.api_calls - before - cdcRequests,
    looked_up: candidates.length,
    ...(seen ? {} : { lookup_skipped: 'the Ids of chunks read by an earlier process are not known (their spool files are gone)' }),
  };
}
