/**
 * `idempotency`: proof that re-loading a window from its spool file changes no row. In one REPEATABLE READ
 * transaction that is always rolled back: snapshot every row of the raw table (its tuple id, id, payload_sha256);
 * for each selected chunk, under a savepoint, re-load its spool with the exporter's own loader, diff the table
 * against the snapshot (count, inserted, deleted, payload changed, row written — any column, even to equal values)
 * and roll back to the savepoint. Nothing the proof does is ever committed.
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
}

/**
 * Within the proof's transaction a stored row keeps its tuple id (ctid) until something writes it: an UPDATE, even
 * to equal values, or a DELETE and re-INSERT, leaves a new tuple with a new ctid; a row the re-load did not touch
 * keeps its own (nothing else can move it while the transaction holds its lock on the table). So when the table has
 * as many rows as the snapshot and every one of them is a tuple of the snapshot, no row was inserted, deleted or
 * written at all — a stronger statement than equal column values, and it needs no pass over the payloads.
 */
async function untouched(client: PoolClient, table: string): Promise<{ rows_after: number; new_tuples: number; rows_before: number }> {
  const { rows } = await client.query(
    `SELECT (SELECT count(*) FROM ${SNAPSHOT})::bigint AS rows_before, count(*)::bigint AS rows_after,
            count(*) FILTER (WHERE b.tid IS NULL)::bigint AS new_tuples
       FROM ${table} a LEFT JOIN ${SNAPSHOT} b ON b.tid = a.ctid`,
  );
  return { rows_before: Number(rows[0].rows_before), rows_after: Number(rows[0].rows_after), new_tuples: Number(rows[0].new_tuples) };
}

/** What changed, by id: only computed when the table is not untouched. */
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

async function diffAgainstSnapshot(client: PoolClient, table: string): Promise<Record<string, number | string[]>> {
  const u = await untouched(client, table);
  if (u.rows_after === u.rows_before && u.new_tuples === 0) {
    return { rows_after: u.rows_after, rows_before: u.rows_before, inserted: 0, deleted: 0, payload_changed: 0, row_changed: 0 };
  }
  return describeChanges(client, table);
}

function verdict(reload: ReloadCounts, diff: Record<string, number | string[]>): Severity {
  const n = (k: string) => Number(diff[k] ?? 0);
  const changed = n('rows_after') !== n('rows_before') || n('inserted') + n('deleted') + n('payload_changed') + n('row_changed') > 0;
  return changed || reload.inserted + reload.updated > 0 ? 'failure' : 'ok';
}

async function proveChunk(client: PoolClient, run: RunInfo, chunk: RunChunk, table: string, reload: ChunkReloader): Promise<ChunkProof> {
  const window: [string, string] = [chunk.windowStart.toISOString(), chunk.windowEnd.toISOString()];
  await client.query('SAVEPOINT qbo_idempotency_chunk');
  let counts: ReloadCounts;
  try {
    counts = await reload(savepointClient(client), run, chunk);
  } catch (e) {
    await client.query('ROLLBACK TO SAVEPOINT qbo_idempotency_chunk');
    const err = toBackfillError(e);
    return { chunk: chunk.index, window, severity: 'failure', note: `re-load failed: ${err.message} (${err.code})` };
  }
  try {
    const diff = await diffAgainstSnapshot(client, table);
    return { chunk: chunk.index, window, severity: verdict(counts, diff), reload: counts, diff };
  } finally {
    await client.query('ROLLBACK TO SAVEPOINT qbo_idempotency_chunk');
  }
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
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await client.query(`CREATE TEMP TABLE ${SNAPSHOT} ON COMMIT DROP AS SELECT ctid AS tid, id, payload_sha256 FROM ${table}`);
    for (const chunk of provable) proofs.push(await proveChunk(client, run, chunk, table, deps.reloadChunk));
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
