/**
 * Spool files are only needed until their run is over: the exporter loads them, the validator re-loads a sample of
 * them (inside a rolled-back transaction) to prove idempotency. Once a run of an entity and company has succeeded,
 * the spool files of that entity and company's earlier runs that can never be continued (succeeded or superseded)
 * are removed, so the spool directory holds about one backfill per entity instead of every backfill ever run.
 * The run that just succeeded keeps its files (a later `validate` may re-load them); failed and unfinished runs keep
 * theirs (a resume loads them without asking QBO again).
 *
 * Only files the ledger recorded as a chunk's spool file are removed, and only when their name is a spool file's;
 * the run and entity directories they leave empty go too. A file already gone is not an error. Lines those runs
 * still have staged in PostgreSQL (store/pre-stage.ts) are dropped with them.
 */
import { promises as fs } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Pool } from 'pg';
import { queryError } from '../db/errors';
import { SPOOL_FILE_NAME } from './paths';
import { dropStaged } from '../store/pre-stage';


export interface PruneOutcome {
  /** Earlier runs whose spool files were looked at. */
  readonly runs: number;
  readonly files: number;
  readonly bytes: number;
}

async function removeFile(path: string): Promise<number> {
  try {
    const { size } = await fs.stat(path);
    await fs.rm(path);
    return size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw e;
  }
}

/** Removes a directory if it is empty (and its parent, the run's directory, if that is empty then). */
async function removeIfEmpty(dir: string): Promise<void> {
  for (const d of [dir, dirname(dir)]) {
    try {
      await fs.rmdir(d);
    } catch {
      return;
    }
  }
}

/** Removes the spool files of the earlier finished runs of `runId`'s entity and company. */
export async function pruneEarlierSpools(pool: Pool, runId: string): Promise<PruneOutcome> {
  let rows: Array<{ run_id: string; spool_path: string }>;
  try {
    ({ rows } = await pool.query<{ run_id: string; spool_path: string }>(
      `SELECT c.run_id, c.spool_path
         FROM ops.backfill_runs cur
         JOIN ops.backfill_runs r
           ON r.entity = cur.entity AND r.realm_id = cur.realm_id AND r.run_id <> cur.run_id
          AND r.status IN ('succeeded', 'superseded') AND r.started_at_utc < cur.started_at_utc
         JOIN ops.backfill_chunks c ON c.run_id = r.run_id
        WHERE cur.run_id = $1 AND c.spool_path IS NOT NULL`,
      [runId],
    ));
  } catch (e) {
    throw queryError(e, `listing the spool files of runs before ${runId}`);
  }
  const dirs = new Set<string>();
  let files = 0;
  let bytes = 0;
  for (const row of rows) {
    if (!SPOOL_FILE_NAME.test(basename(row.spool_path))) continue;
    const size = await removeFile(row.spool_path);
    if (size < 0) continue;
    files += 1;
    bytes += size;
    dirs.add(dirname(row.spool_path));
  }
  for (const dir of dirs) await removeIfEmpty(dir);
  const runs = [...new Set(rows.map((r) => r.run_id))];
  // Whatever of theirs is still staged in PostgreSQL (an export that never ended) goes too (store/pre-stage.ts).
  await dropStaged(pool, runs);
  return { runs: runs.length, files, bytes };
}
