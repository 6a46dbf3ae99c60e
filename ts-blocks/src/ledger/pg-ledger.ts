/**
 * The run ledger over ops.backfill_runs / ops.backfill_chunks (contract and chunk life in ./types.ts).
 * Besides the `Ledger` calls used by extraction, it offers the load side: `lockChunksForLoad` and `chunksLoaded`
 * (and their single-chunk forms) run on the loading transaction's client, so a chunk is marked loaded in the same
 * commit as its rows.
 */
import type { Pool, PoolClient } from 'pg';
import { ConfigError, FatalError, type BackfillError } from '../core/errors';
import { queryError } from '../db/errors';
import { withTransaction } from '../db/pool';
import type { ChunkPlan, ChunkState, ExtractedChunk, ExtractResult, Ledger, ReadPass, RunGuard, RunParams, RunState, RunStatus } from './types';
import { openRunIn } from './open-run';
import { CHUNK_COLUMNS, RUN_COLUMNS, TERMINAL_RUN_STATUSES, toChunkState, toParams, type ChunkRow, type RunRow } from './rows';
import { getRunDetail, isRunId, listRuns, type RunDetail, type RunFilter, type RunSummary } from './queries';

/** Row counts of one chunk's load. rows_read = inserted + updated + unchanged + skipped. */
export interface LoadCounts {
  readonly rows_read: number;
  readonly rows_inserted: number;
  readonly rows_updated: number;
  readonly rows_unchanged: number;
  readonly rows_skipped: number;
}

/** One chunk's load, for chunksLoaded. */
export interface LoadedChunk {
  readonly index: number;
  readonly counts: LoadCounts;
  readonly loadMs: number;
}

export class PgLedger implements Ledger {
  constructor(private readonly pool: Pool) {}

  async openRun(params: RunParams, plan: readonly ChunkPlan[], runGuard?: RunGuard): Promise<RunState> {
    const opened = await this.guard('opening a run', () => withTransaction(this.pool, (c) => openRunIn(c, params, plan, runGuard)));
    const state = await this.getRun(opened.runId);
    return { ...state, resumed: opened.resumed };
  }

  async getRun(runId: string): Promise<RunState> {
    return this.guard(`reading run ${runId}`, async () => {
      if (!isRunId(runId)) throw notFound(runId);
      const runs = await this.pool.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM ops.backfill_runs WHERE run_id = $1`, [runId]);
      const run = runs.rows[0];
      if (!run) throw notFound(runId);
      const chunks = await this.pool.query<ChunkRow>(
        `SELECT ${CHUNK_COLUMNS} FROM ops.backfill_chunks WHERE run_id = $1 ORDER BY chunk_index`,
        [runId],
      );
      return { runId, resumed: run.open_count > 1, status: run.status, params: toParams(run), chunks: chunks.rows.map(toChunkState) };
    });
  }

  async chunkExtracting(runId: string, index: number): Promise<void> {
    await this.updateChunk(runId, index, `status = 'extracting', attempts = attempts + 1, error = NULL`, []);
  }

  async chunksExtracting(runId: string, indexes: readonly number[]): Promise<void> {
    await this.guard(`marking chunks ${indexes.join(', ')} of run ${runId} as extracting`, async () => {
      const r = await this.pool.query(
        `UPDATE ops.backfill_chunks SET status = 'extracting', attempts = attempts + 1, error = NULL
          WHERE run_id = $1 AND chunk_index = ANY($2::int[])`,
        [runId, indexes],
      );
      if (r.rowCount !== new Set(indexes).size) throw chunkNotFound(runId, indexes[0]!);
    });
  }

  /** One UPDATE for all chunks, applied only if every chunk is in the run (all or none). */
  async chunksExtracted(runId: string, results: readonly ExtractedChunk[]): Promise<void> {
    if (results.length === 0) return;
    const rows = mergeExtracted(results);
    await this.guard(`recording the extraction of ${results.length} chunk(s) of run ${runId}`, async () => {
      const r = await this.pool.query(
        `UPDATE ops.backfill_chunks c
            SET status = 'extracted', spool_path = r.spool_path, source_count = r.source_count, pages_read = r.pages_read,
                rows_read = r.rows_read, api_calls = c.api_calls + r.api_calls, retries = c.retries + r.retries,
                throttled = c.throttled + r.throttled, extract_ms = r.extract_ms, error = NULL, extracted_at_utc = clock_timestamp(),
                pass_first_chunk = r.pass_first_chunk, pass_last_chunk = r.pass_last_chunk, pass_pages_read = r.pass_pages_read
           FROM unnest($2::int[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[], $10::int[], $11::int[],
                       $12::int[], $13::int[])
                AS r(chunk_index, spool_path, source_count, pages_read, rows_read, api_calls, retries, throttled, extract_ms,
                     pass_first_chunk, pass_last_chunk, pass_pages_read)
          WHERE c.run_id = $1 AND c.chunk_index = r.chunk_index
            AND (SELECT count(*) FROM ops.backfill_chunks k WHERE k.run_id = $1 AND k.chunk_index = ANY($2::int[])) = cardinality($2::int[])`,
        [
          runId,
          rows.map((x) => x.index),
          rows.map((x) => x.spoolPath),
          rows.map((x) => x.sourceCount),
          rows.map((x) => x.pages_read),
          rows.map((x) => x.rows_read),
          rows.map((x) => x.api_calls),
          rows.map((x) => x.retries),
          rows.map((x) => x.throttled),
          rows.map((x) => x.extract_ms),
          rows.map((x) => x.pass?.first ?? null),
          rows.map((x) => x.pass?.last ?? null),
          rows.map((x) => x.pass?.pages ?? null),
        ],
      );
      if (r.rowCount !== rows.length) {
        const found = await this.pool.query<{ chunk_index: number }>(
          `SELECT chunk_index FROM ops.backfill_chunks WHERE run_id = $1 AND chunk_index = ANY($2::int[])`,
          [runId, rows.map((x) => x.index)],
        );
        const present = new Set(found.rows.map((x) => x.chunk_index));
        throw chunkNotFound(runId, rows.find((x) => !present.has(x.index))?.index ?? rows[0]!.index);
      }
    });
  }

  async chunkExtracted(runId: string, index: number, result: ExtractResult): Promise<void> {
    await this.chunksExtracted(runId, [{ index, result }]);
  }

  async chunkFailed(runId: string, index: number, error: BackfillError): Promise<void> {
    await this.updateChunk(runId, index, `status = 'failed', error = $3`, [JSON.stringify(error.toJSON())]);
  }

  async chunkInterrupted(runId: string, index: number): Promise<void> {
    await this.guard(`updating chunk ${index} of run ${runId}`, async () => {
      await this.pool.query(`UPDATE ops.backfill_chunks SET status = 'pending' WHERE run_id = $1 AND chunk_index = $2 AND status = 'extracting'`, [
        runId,
        index,
      ]);
    });
  }

  async discardRun(runId: string): Promise<boolean> {
    return this.guard(`discarding run ${runId}`, async () => {
      const r = await this.pool.query(
        `DELETE FROM ops.backfill_runs r
          WHERE r.run_id = $1 AND r.open_count = 1
            AND NOT EXISTS (SELECT 1 FROM ops.backfill_runs o WHERE o.superseded_by = $1)
            AND NOT EXISTS (SELECT 1 FROM ops.backfill_chunks c WHERE c.run_id = $1 AND c.status IN ('extracted', 'loaded'))`,
        [runId],
      );
      return r.rowCount === 1;
    });
  }

  async setRunStatus(
    runId: string,
    status: RunStatus,
    extra: { error?: BackfillError; metrics?: Record<string, unknown> } = {},
  ): Promise<void> {
    const terminal = TERMINAL_RUN_STATUSES.includes(status);
    await this.guard(`updating run ${runId}`, async () => {
      const r = await this.pool.query(
        `UPDATE ops.backfill_runs
            SET status = $2,
                error = CASE WHEN $3::jsonb IS NULL AND $2 <> 'failed' THEN NULL ELSE COALESCE($3::jsonb, error) END,
                metrics = metrics || $4::jsonb,
                finished_at_utc = CASE WHEN $5 THEN clock_timestamp() ELSE NULL END
          WHERE run_id = $1`,
        [runId, status, extra.error ? JSON.stringify(extra.error.toJSON()) : null, JSON.stringify(extra.metrics ?? {}), terminal],
      );
      if (r.rowCount === 0) throw notFound(runId);
    });
  }

  /**
   * Locks the chunk row (FOR UPDATE) on the loading transaction's client and returns its state, so two loaders of
   * the same chunk serialise and the second sees it 'loaded'.
   */
  async lockChunkForLoad(client: PoolClient, runId: string, index: number): Promise<ChunkState> {
    const [state] = await this.lockChunksForLoad(client, runId, [index]);
    return state!;
  }

  /**
   * lockChunkForLoad for several chunks in one statement: rows are locked in chunk_index order and the states are
   * returned in the order of `indexes`. A chunk not in the run throws LEDGER_CHUNK_NOT_FOUND (the first in `indexes`).
   */
  async lockChunksForLoad(client: PoolClient, runId: string, indexes: readonly number[]): Promise<ChunkState[]> {
    const { rows } = await client.query<ChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM ops.backfill_chunks
        WHERE run_id = $1 AND chunk_index = ANY($2::int[]) ORDER BY chunk_index FOR UPDATE`,
      [runId, indexes],
    );
    const byIndex = new Map(rows.map((row) => [row.chunk_index, row]));
    return indexes.map((index) => {
      const row = byIndex.get(index);
      if (!row) throw chunkNotFound(runId, index);
      return toChunkState(row);
    });
  }

  /** Marks an extracted chunk loaded with its counts, on the loading transaction's client. */
  async chunkLoaded(client: PoolClient, runId: string, index: number, counts: LoadCounts, loadMs: number): Promise<void> {
    await this.chunksLoaded(client, runId, [{ index, counts, loadMs }]);
  }

  /**
   * chunkLoaded for several chunks in one UPDATE, on the loading transaction's client. A chunk not in status
   * 'extracted' (or named twice) throws LEDGER_CHUNK_NOT_EXTRACTED; the caller's transaction must then roll back.
   */
  async chunksLoaded(client: PoolClient, runId: string, loaded: readonly LoadedChunk[]): Promise<void> {
    if (loaded.length === 0) return;
    const r = await client.query<{ chunk_index: number }>(
      `UPDATE ops.backfill_chunks c
          SET status = 'loaded', rows_inserted = r.rows_inserted, rows_updated = r.rows_updated,
              rows_unchanged = r.rows_unchanged, rows_skipped = r.rows_skipped, load_ms = r.load_ms,
              error = NULL, loaded_at_utc = clock_timestamp()
         FROM unnest($2::int[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[])
              AS r(chunk_index, rows_inserted, rows_updated, rows_unchanged, rows_skipped, load_ms)
        WHERE c.run_id = $1 AND c.chunk_index = r.chunk_index AND c.status = 'extracted'
        RETURNING c.chunk_index`,
      [
        runId,
        loaded.map((x) => x.index),
        loaded.map((x) => x.counts.rows_inserted),
        loaded.map((x) => x.counts.rows_updated),
        loaded.map((x) => x.counts.rows_unchanged),
        loaded.map((x) => x.counts.rows_skipped),
        loaded.map((x) => Math.round(x.loadMs)),
      ],
    );
    const updated = new Set(r.rows.map((x) => x.chunk_index));
    for (const { index } of loaded) {
      if (!updated.delete(index)) throw notExtracted(runId, index);
    }
  }

  /** Runs, newest first (for reports and `report --latest`). An empty list means there are none. */
  async listRuns(filter: RunFilter = {}): Promise<RunSummary[]> {
    return this.guard('listing runs', () => listRuns(this.pool, filter));
  }

  /** A run with every chunk's metrics. */
  async getRunDetail(runId: string): Promise<RunDetail> {
    const detail = await this.guard(`reading run ${runId}`, () => getRunDetail(this.pool, runId));
    if (!detail) throw notFound(runId);
    return detail;
  }

  private async updateChunk(runId: string, index: number, set: string, values: unknown[]): Promise<void> {
    await this.guard(`updating chunk ${index} of run ${runId}`, async () => {
      const r = await this.pool.query(`UPDATE ops.backfill_chunks SET ${set} WHERE run_id = $1 AND chunk_index = $2`, [runId, index, ...values]);
      if (r.rowCount === 0) throw chunkNotFound(runId, index);
    });
  }

  private async guard<T>(doing: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      throw queryError(e, doing);
    }
  }
}

function notFound(runId: string): ConfigError {
  return new ConfigError(`Run ${runId} is not in ops.backfill_runs. List runs with \`qbo-backfill report --latest\`.`, {
    code: 'LEDGER_RUN_NOT_FOUND',
    context: { run_id: runId },
  });
}

function notExtracted(runId: string, index: number): FatalError {
  return new FatalError(`Chunk ${index} of run ${runId} is not in status 'extracted', so it cannot be marked loaded.`, {
    code: 'LEDGER_CHUNK_NOT_EXTRACTED',
    context: { run_id: runId, chunk_index: index },
  });
}

interface ExtractedRow {
  readonly index: number;
  spoolPath: string;
  sourceCount: number | null;
  pages_read: number;
  rows_read: number;
  api_calls: number;
  retries: number;
  throttled: number;
  extract_ms: number;
  pass: ReadPass | undefined;
}

/** One row per chunk index, as if the results were applied in turn: the last result's values, the counters summed. */
function mergeExtracted(results: readonly ExtractedChunk[]): ExtractedRow[] {
  const rows = new Map<number, ExtractedRow>();
  for (const { index, result } of results) {
    const m = result.metrics;
    const prev = rows.get(index);
    rows.set(index, {
      index,
      spoolPath: result.spoolPath,
      sourceCount: result.sourceCount,
      pages_read: m.pages_read,
      rows_read: m.rows_read,
      api_calls: (prev?.api_calls ?? 0) + m.api_calls,
      retries: (prev?.retries ?? 0) + m.retries,
      throttled: (prev?.throttled ?? 0) + m.throttled,
      extract_ms: Math.round(m.duration_ms),
      pass: result.pass,
    });
  }
  return [...rows.values()];
}

function chunkNotFound(runId: string, index: number): FatalError {
  return new FatalError(`Chunk ${index} of run ${runId} is not in ops.backfill_chunks.`, {
    code: 'LEDGER_CHUNK_NOT_FOUND',
    context: { run_id: runId, chunk_index: index },
  });
}
