/**
 * `idempotency`: proof that re-loading a window from its spool file changes no row. In one REPEATABLE READ
 * transaction that is always rolled back: for each selected chunk, under a savepoint, re-load its spool with the
 * exporter's own loader, prove that no row of the raw table was inserted, deleted or written (any column, even to
 * equal values), and roll back to the savepoint. Nothing the proof does is ever committed.
 *
 * The proof reads what this transaction wrote, never the table's payloads, in the cheapest of two ways that apply:
 *  - write counters: PostgreSQL counts, per table, every row this transaction (any of its subtransactions, rolled
 *    back or not) inserts, updates (even to equal values) or deletes, as each happens; a TRUNCATE, which resets them,
 *    gives the table a new file node. Same counts and same file node before and after the re-load: nothing was
 *    written. No read of the table at all. Used when PostgreSQL counts (`track_counts` on, before and after) and the
 *    table is an ordinary table without partitions or inheritance children (whose rows another table's counters
 *    would hold).
 *  - row versions: every row this transaction writes is a new row version stamped with this transaction's id or one
 *    of its subtransactions', all assigned after the transaction's snapshot was taken, so at or above the snapshot's
 *    xmax; every other visible row was committed before the snapshot, so below it. Same row count as at the start and
 *    no visible row at or above the snapshot's xmax: nothing was inserted, deleted or written. One pass over the
 *    table's row headers.
 * When either finds anything, the chunk is re-loaded once more against a snapshot of every row's tuple id, id and
 * payload_sha256, which names what changed (inserted, deleted, payload changed, row written) and the ids; a row the
 * row-version pass only suspected (an ancient frozen row id read modulo 2^32) is cleared there.
 */
import { existsSync } from 'node:fs';
import type { Pool, PoolClient } from 'pg';
import { toBackfillError } from '../../core/errors';
import type { ChunkReloader, ReloadCounts } from '../deps';
import type { IdempotencyChunks, ValidationOptions } from '../options';
import { dbFailure, rawTable } from '../run-info';
import { savepointClient } from '../savepoint-client';
import { SAMPLE_IDS, worstSeverity, type CheckResult, type RunChunk, type RunInfo, type Severity } from '../types';

export const IDEMPOTENCY_CHECK = 'idempotency';
const SNAPSHOT = 'qbo_idempotency_before';

export interface IdempotencyDeps {
  readonly reloadChunk?: ChunkReloader;
  readonly spoolExists?: (path: string) => boolean;
}

export function selectChunks(run: RunInfo, which: IdempotencyChunks): RunChunk[] {
  const loaded = run.chunks.filter((c) => c.status === 'loaded');
  if (which === 'none') return [];
  if (which === 'all') return loaded;
  if (which === 'largest') {
    const best = loaded.reduce<RunChunk | undefined>((b, c) => (!b || c.rowsRead > b.rowsRead ? c : b), undefined);
    return best ? [best] : [];
  }
  return loaded.filter((c) => which.includes(c.index));
}

interface ChunkProof {
  readonly chunk: number;
  readonly window: [string, string];
  readonly severity: Severity;
  readonly reload?: ReloadCounts;
  readonly diff?: Record<string, number | string[]>;
  readonly note?: string;
  /**
   * How "no row changed" was shown: by the transaction's write counters, by row versions (one pass over the table),
   * or against the tuple-id snapshot (after a finding).
   */
  readonly proved_by?: 'write_counters' | 'row_versions' | 'tuple_snapshot';
}

/**
 * A visible row version written by this transaction: its xmin is a normal transaction id (>= 3) at or above the
 * snapshot's xmax, compared as PostgreSQL compares transaction ids (modulo 2^32, within 2^31).
 */
const WRITTEN_HERE = `(xmin::text::bigint >= 3 AND ((xmin::text::bigint - $1::bigint) % 4294967296 + 4294967296) % 4294967296 < 2147483648)`;

interface Start {
  /** The snapshot's xmax modulo 2^32 (the transaction ids the row headers carry). */
  readonly xmax32: string;
  /** Whether the table's write counters can prove "nothing written" (see the header). */
  readonly countable: boolean;
  /** The visible row count, counted the first time the row-version pass needs it (the snapshot does not move). */
  rowsBefore?: number;
}

/** The transaction's first statement: it takes the snapshot. */
async function begin(client: PoolClient, table: string): Promise<Start> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  const { rows } = await client.query(
    `SELECT (pg_snapshot_xmax(pg_current_snapshot())::text::numeric % 4294967296)::bigint::text AS xmax32,
            current_setting('track_counts')::boolean
              AND (SELECT c.relkind = 'r' AND NOT c.relhassubclass FROM pg_class c WHERE c.oid = $1::regclass) AS countable`,
    [table],
  );
  return { xmax32: String(rows[0].xmax32), countable: rows[0].countable === true };
}

interface Writes {
  readonly counting: boolean;
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
  readonly node: string;
}

/** This transaction's writes to the table so far, as PostgreSQL counts them, and the table's file node. */
async function writesSoFar(client: PoolClient, table: string): Promise<Writes> {
  const { rows } = await client.query(
    `SELECT current_setting('track_counts')::boolean AS counting,
            pg_stat_get_xact_tuples_inserted(t.oid) AS inserted, pg_stat_get_xact_tuples_updated(t.oid) AS updated,
            pg_stat_get_xact_tuples_deleted(t.oid) AS deleted, pg_relation_filenode(t.oid)::text AS node
       FROM (SELECT $1::regclass::oid AS oid) t`,
    [table],
  );
  const r = rows[0];
  return { counting: r.counting === true, inserted: Number(r.inserted), updated: Number(r.updated), deleted: Number(r.deleted), node: String(r.node) };
}

/** Rows written between two readings, or undefined when the counters cannot tell (not counting at either end). */
function writesBetween(before: Writes, after: Writes): { inserted: number; updated: number; deleted: number; new_file: boolean } | undefined {
  if (!before.counting || !after.counting) return undefined;
  return {
    inserted: after.inserted - before.inserted,
    updated: after.updated - before.updated,
    deleted: after.deleted - before.deleted,
    new_file: after.node !== before.node,
  };
}

async function rowsBefore(client: PoolClient, table: string, start: Start): Promise<number> {
  start.rowsBefore ??= Number((await client.query(`SELECT count(*)::bigint AS n FROM ${table}`)).rows[0].n);
  return start.rowsBefore;
}

/** Rows now, and rows written by this transaction (any of its subtransactions). */
async function rowVersions(client: PoolClient, table: string, start: Start): Promise<{ rows_after: number; written: number }> {
  const { rows } = await client.query(
    `SELECT count(*)::bigint AS rows_after, count(*) FILTER (WHERE ${WRITTEN_HERE})::bigint AS written FROM ${table}`,
    [start.xmax32],
  );
  return { rows_after: Number(rows[0].rows_after), written: Number(rows[0].written) };
}

/** What changed, by id, against the tuple-id snapshot: only computed when the fast pass found something. */
async function describeChanges(client: PoolClient, table: string): Promise<Record<string, number | string[]>> {
  const joined = `FROM (SELECT ctid AS tid, id, payload_sha256 FROM ${table}) a FULL JOIN ${SNAPSHOT} b ON a.id = b.id`;
  const { rows } = await client.query(
    `SELECT count(a.id)::bigint AS rows_after, count(b.id)::bigint AS rows_before,
            count(*) FILTER (WHERE b.id IS NULL)::bigint AS inserted,
            count(*) FILTER (WHERE a.id IS NULL)::bigint AS deleted,
            count(*) FILTER (WHERE a.payload_sha256 <> b.payload_sha256)::bigint AS payload_changed,
            count(*) FILTER (WHERE a.tid <> b.tid)::bigint AS row_changed
       ${joined}`,
  );
  const diff: Record<string, number | string[]> = Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v)]));
  const changed = await client.query(
    `SELECT coalesce(a.id, b.id) AS id ${joined}
      WHERE a.id IS NULL OR b.id IS NULL OR a.tid <> b.tid ORDER BY 1 LIMIT ${SAMPLE_IDS}`,
  );
  diff.changed_ids = changed.rows.map((r) => String(r.id));
  return diff;
}

function verdict(reload: ReloadCounts, diff: Record<string, number | string[]>): Severity {
  const n = (k: string) => Number(diff[k] ?? 0);
  const changed = n('rows_after') !== n('rows_before') || n('inserted') + n('deleted') + n('payload_changed') + n('row_changed') > 0;
  return changed || reload.inserted + reload.updated > 0 ? 'failure' : 'ok';
}

type Reloaded = { counts: ReloadCounts } | { note: string };

/** Re-loads the chunk under a savepoint, runs `inspect` on the result and rolls the savepoint back, always. */
async function underSavepoint<T>(
  client: PoolClient, run: RunInfo, chunk: RunChunk, reload: ChunkReloader, inspect: (counts: ReloadCounts) => Promise<T>,
): Promise<{ reloaded: Reloaded; found?: T }> {
  await client.query('SAVEPOINT qbo_idempotency_chunk');
  let counts: ReloadCounts;
  try {
    counts = await reload(savepointClient(client), run, chunk);
  } catch (e) {
    await client.query('ROLLBACK TO SAVEPOINT qbo_idempotency_chunk');
    const err = toBackfillError(e);
    return { reloaded: { note: `re-load failed: ${err.message} (${err.code})` } };
  }
  try {
    return { reloaded: { counts }, found: await inspect(counts) };
  } finally {
    await client.query('ROLLBACK TO SAVEPOINT qbo_idempotency_chunk');
  }
}

interface ProofState {
  readonly start: Start;
  /** The tuple-id snapshot exists (taken once, the first time a chunk needs describing). */
  snapshotTaken: boolean;
}

async function proveChunk(client: PoolClient, run: RunInfo, chunk: RunChunk, table: string, reload: ChunkReloader, state: ProofState): Promise<ChunkProof> {
  const window: [string, string] = [chunk.windowStart.toISOString(), chunk.windowEnd.toISOString()];
  const fast = state.start.countable ? await byWriteCounters(client, run, chunk, table, reload) : await byRowVersions(client, run, chunk, table, reload, state.start);
  if ('note' in fast) return { chunk: chunk.index, window, severity: 'failure', note: fast.note };
  if (fast.diff) return { chunk: chunk.index, window, severity: verdict(fast.counts, fast.diff), reload: fast.counts, diff: fast.diff, proved_by: fast.by };
  // Something was written (or a row only looked so): the table is as it was again; re-load against a full snapshot.
  if (!state.snapshotTaken) {
    await client.query(`CREATE TEMP TABLE ${SNAPSHOT} ON COMMIT DROP AS SELECT ctid AS tid, id, payload_sha256 FROM ${table}`);
    state.snapshotTaken = true;
  }
  const full = await underSavepoint(client, run, chunk, reload, (again) => describeChanges(client, table).then((diff) => ({ again, diff })));
  if ('note' in full.reloaded) return { chunk: chunk.index, window, severity: 'failure', note: full.reloaded.note };
  const { again, diff } = full.found!;
  return { chunk: chunk.index, window, severity: verdict(again, diff), reload: again, diff, proved_by: 'tuple_snapshot' };
}

/** A fast pass's outcome: the re-load failed, or its counts with `diff` set when it proved nothing was written. */
type FastPass = { note: string } | { counts: ReloadCounts; diff?: Record<string, number>; by: 'write_counters' | 'row_versions' };

async function byWriteCounters(client: PoolClient, run: RunInfo, chunk: RunChunk, table: string, reload: ChunkReloader): Promise<FastPass> {
  const before = await writesSoFar(client, table);
  const pass = await underSavepoint(client, run, chunk, reload, async (counts) => ({ counts, w: writesBetween(before, await writesSoFar(client, table)) }));
  if ('note' in pass.reloaded) return { note: pass.reloaded.note };
  const { counts, w } = pass.found!;
  const none = w !== undefined && w.inserted === 0 && w.updated === 0 && w.deleted === 0 && !w.new_file;
  return { counts, by: 'write_counters', ...(none ? { diff: { inserted: 0, updated: 0, deleted: 0 } } : {}) };
}

async function byRowVersions(client: PoolClient, run: RunInfo, chunk: RunChunk, table: string, reload: ChunkReloader, start: Start): Promise<FastPass> {
  const rows = await rowsBefore(client, table, start);
  const pass = await underSavepoint(client, run, chunk, reload, (counts) => rowVersions(client, table, start).then((v) => ({ counts, v })));
  if ('note' in pass.reloaded) return { note: pass.reloaded.note };
  const { counts, v } = pass.found!;
  const none = v.rows_after === rows && v.written === 0;
  const diff = { rows_after: v.rows_after, rows_before: rows, inserted: 0, deleted: 0, payload_changed: 0, row_changed: 0 };
  return { counts, by: 'row_versions', ...(none ? { diff } : {}) };
}

export async function checkIdempotency(pool: Pool, run: RunInfo, o: ValidationOptions, deps: IdempotencyDeps): Promise<CheckResult[]> {
  const table = rawTable(run.entity);
  const selected = selectChunks(run, o.idempotencyChunks);
  const exists = deps.spoolExists ?? existsSync;
  const skipped = selected.filter((c) => !c.spoolPath || !exists(c.spoolPath)).map((c) => ({ chunk: c.index, spool_path: c.spoolPath }));
  const provable = selected.filter((c) => c.spoolPath && exists(c.spoolPath));
  if (!deps.reloadChunk || provable.length === 0) return [notProven(run, o.idempotencyChunks, selected.length, skipped, !deps.reloadChunk)];
  const client = await pool.connect();
  const proofs: ChunkProof[] = [];
  try {
    const state: ProofState = { start: await begin(client, table), snapshotTaken: false };
    for (const chunk of provable) proofs.push(await proveChunk(client, run, chunk, table, deps.reloadChunk, state));
  } catch (e) {
    throw dbFailure(e, `re-loading spool files of run ${run.runId} for the idempotency proof`);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
  return [summarise(table, proofs, skipped)];
}

function summarise(table: string, proofs: ChunkProof[], skipped: Array<{ chunk: number; spool_path: string | null }>): CheckResult {
  const severity = worstSeverity([...proofs.map((p) => p.severity), ...(skipped.length ? ['warning' as const] : [])]);
  const details = { table, chunks: proofs, skipped_no_spool: skipped, rolled_back: true };
  const bad = proofs.filter((p) => p.severity === 'failure');
  const rowsRead = proofs.reduce((n, p) => n + (p.reload ? p.reload.inserted + p.reload.updated + p.reload.unchanged + p.reload.skipped : 0), 0);
  if (bad.length > 0) {
    const p = bad[0];
    if (p.note) {
      return { check: IDEMPOTENCY_CHECK, severity: 'failure', details,
        message: `Idempotency proof of chunk ${p.chunk} [${p.window[0]}, ${p.window[1]}) could not run: ${p.note}. Fix the spool file or re-extract the window with force.` };
    }
    return { check: IDEMPOTENCY_CHECK, severity: 'failure', details,
      message: `Re-loading chunk ${p.chunk} [${p.window[0]}, ${p.window[1]}) from its spool changed the table ` +
        `(inserted ${String(p.diff?.inserted)}, payload changed ${String(p.diff?.payload_changed)}, rows written ${String(p.diff?.row_changed)}; ` +
        `loader reported ${p.reload?.inserted ?? 0} inserted / ${p.reload?.updated ?? 0} updated; rolled back). ` +
        'The stored rows differ from what the window returns, or the upsert rewrites equal rows: re-run the window with force and inspect the ids listed.' };
  }
  const head = `Re-loading ${proofs.length} chunk(s) (${proofs.map((p) => p.chunk).join(', ')}; ${rowsRead} records) from their spool files ` +
    `changed no row of ${table}: same count, no row inserted, deleted or written (transaction rolled back).`;
  if (skipped.length > 0) {
    return { check: IDEMPOTENCY_CHECK, severity, details,
      message: `${head} ${skipped.length} selected chunk(s) have no spool file and were not re-loaded.` };
  }
  return { check: IDEMPOTENCY_CHECK, severity, details, message: head };
}

function notProven(
  run: RunInfo, which: IdempotencyChunks, selected: number, skipped: Array<{ chunk: number; spool_path: string | null }>, noLoader: boolean,
): CheckResult {
  const why = which === 'none'
    ? 'disabled by configuration (idempotency_chunks=none)'
    : noLoader
      ? 'no loader was available to re-load a spool file'
      : selected === 0
        ? 'no loaded chunk was selected'
        : `the spool file of ${skipped.length === 1 ? `chunk ${skipped[0].chunk}` : `${skipped.length} chunks`} is gone`;
  return {
    check: IDEMPOTENCY_CHECK,
    severity: 'warning',
    message: `Idempotency not proven for run ${run.runId}: ${why}. Re-run one window (same parameters, force) and check it reports 0 inserted and 0 updated, or keep spool files until validation.`,
    details: { selection: which, selected, skipped_no_spool: skipped },
  };
}
