/**
 * Pre-staging: the loader copies each spool record line into PostgreSQL (one UNLOGGED table per run,
 * ops.staged_lines_<run>, db/init/090) as it writes it, while its requests wait on QBO and the machine's cores are
 * mostly idle, so the exporter merges from the staged lines (store/load-staged.ts) instead of copying every line after
 * the extraction. The spool file stays the source of truth: once a segment's files are complete, a marker per chunk
 * (ops.staged_spools) records the file's SHA-256 and line count, in the same transaction that drops the superseded
 * versions' lines and checks the count, and the exporter trusts staged lines only under a marker matching the file
 * as it is then.
 *
 * Staging is an optimisation only: a failure (the marker table missing, a line PostgreSQL refuses, the database
 * falling behind by more than MAX_QUEUED_BYTES) gives it up for the segment with one log line and never fails the
 * extraction; the chunks without a marker are copied from their spool files by the exporter, as they always were.
 * Lines are copied in autocommitted COPY statements, a few pages at a time, on a connection of the loader's pool
 * (at most STAGERS_AT_ONCE per process); lines without a marker are never read, and are deleted when their chunk is
 * staged again; the run's table is dropped when its export ends.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Entity, EventSink } from '../core/events';
import { isRunId } from '../ledger/queries';
import type { CompletedSpool, LineTap } from '../spool/writer';

export const STAGED_SPOOLS = 'ops.staged_spools';

/** The run's table of staged lines (`runId` must be a UUID, as every run id is: it is written into SQL text). */
export function stagedLinesTable(runId: string): string {
  if (!isRunId(runId)) throw new Error(`Not a run id: ${runId}`);
  return `ops.staged_lines_${runId.replace(/-/g, '').toLowerCase()}`;
}

/** Bytes of lines waiting for the database beyond which a segment's staging is given up (memory stays bounded). */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;
/** Segments staged at once by one process (each holds a connection of its pool while it is read). */
export const STAGERS_AT_ONCE = 2;

const LINE_CLOSE = Buffer.from('}\n');

/** No TOAST compression of the staged lines (read a few times by the merge, as in store/line-staging.ts). */
function createLinesTable(table: string): string {
  return `CREATE UNLOGGED TABLE IF NOT EXISTS ${table} (
      chunk_index integer NOT NULL,
      line        integer NOT NULL,
      doc         jsonb   NOT NULL
    ) WITH (toast_tuple_target = 8160);
    CREATE INDEX IF NOT EXISTS ${table.slice('ops.'.length)}_chunk_idx ON ${table} (chunk_index)`;
}

/** Where a segment's staging reports that it gave up (once); the extraction carries on. */
export type StagingNotice = (reason: string) => void;

/** The run's pre-stager over the process's pool; what it gives up is told as one info line each (PRE_STAGING_OFF). */
export function preStager(pool: Pool, emit: EventSink, entity: Entity): PreStager {
  return new PreStager(pool, (reason) =>
    emit({
      type: 'log', level: 'info', phase: 'extract', entity, code: 'PRE_STAGING_OFF',
      message: `Pre-staging spool lines in PostgreSQL: ${reason}; the exporter reads those chunks from their spool files.`,
    }),
  );
}

/** Opens a stager per segment, at most STAGERS_AT_ONCE at a time (a segment beyond that is not staged). */
export class PreStager {
  private active = 0;
  private markersPresent: Promise<boolean> | undefined;
  /** Set once staging cannot start (no marker table, no right to create a table, …): not tried again this run. */
  private off = false;
  /** The runs' line tables, created once per process (two segments creating one table at once could collide). */
  private readonly tables = new Map<string, Promise<void>>();

  constructor(
    private readonly pool: Pool,
    private readonly notice: StagingNotice,
    private readonly maxQueuedBytes = MAX_QUEUED_BYTES,
  ) {}

  /** Staging stays off for the rest of the run, said once. */
  private turnOff(reason: string): void {
    if (this.off) return;
    this.off = true;
    this.notice(`${reason}; off for the rest of this run`);
  }

  /** Drops what a run discarded before reading anything may have staged (its line table, created empty). */
  async discard(runId: string): Promise<void> {
    await dropStaged(this.pool, [runId]);
  }

  /** A stager for the segment's chunks, or undefined when staging is not possible now (the exporter reads the spool). */
  async begin(runId: string, chunkIndexes: readonly number[]): Promise<SegmentStager | undefined> {
    if (this.off || !isRunId(runId) || chunkIndexes.length === 0 || this.active >= STAGERS_AT_ONCE) return undefined;
    this.active += 1;
    let client: PoolClient | undefined;
    try {
      this.markersPresent ??= this.pool
        .query<{ ok: boolean }>(`SELECT to_regclass('${STAGED_SPOOLS}') IS NOT NULL AS ok`)
        .then((r) => r.rows[0]?.ok === true);
      if (!(await this.markersPresent)) {
        this.active -= 1;
        this.turnOff(`${STAGED_SPOOLS} does not exist (run \`qbo-backfill db init\` to create it)`);
        return undefined;
      }
      const table = stagedLinesTable(runId);
      let created = this.tables.get(table);
      if (!created) {
        created = this.pool.query(createLinesTable(table)).then(() => undefined);
        created.catch(() => this.tables.delete(table));
        this.tables.set(table, created);
      }
      await created;
      client = await this.pool.connect();
      // The staged lines are a disposable cache (UNLOGGED): a commit need not wait for the WAL to reach the disk.
      await client.query('SET synchronous_commit = off');
      await client.query(`DELETE FROM ${STAGED_SPOOLS} WHERE run_id = $1 AND chunk_index = ANY($2::int[])`, [runId, chunkIndexes]);
      await client.query(`DELETE FROM ${table} WHERE chunk_index = ANY($1::int[])`, [chunkIndexes]);
    } catch (e) {
      client?.release(true);
      this.active -= 1;
      this.turnOff(`could not start (${(e as Error).message})`);
      return undefined;
    }
    return new SegmentStager(client, runId, chunkIndexes, this.notice, this.maxQueuedBytes, () => (this.active -= 1));
  }
}

export class SegmentStager {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  private flushScheduled = false;
  private copying: Promise<void> | undefined;
  private failure: string | undefined;
  private closed = false;
  private readonly table: string;
  private readonly copySql: string;

  constructor(
    private readonly client: PoolClient,
    private readonly runId: string,
    private readonly chunkIndexes: readonly number[],
    private readonly notice: StagingNotice,
    private readonly maxQueuedBytes: number,
    private readonly onClose: () => void,
  ) {
    this.table = stagedLinesTable(runId);
    // CSV with ASCII unit/record separators as delimiter and quote, as store/line-staging.ts: lines hold neither.
    this.copySql = `COPY ${this.table} (chunk_index, line, doc) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e')`;
  }

  /** The spool writer's tap for one chunk of the segment (spool/writer.ts). */
  tap(chunkIndex: number): LineTap {
    const prefix = `${chunkIndex}\x1f`;
    return (line, [head, record]) => {
      if (this.failure !== undefined || this.closed) return;
      const lead = Buffer.from(`${prefix}${line}\x1f`, 'latin1');
      this.pending.push(lead, head, record, LINE_CLOSE);
      this.pendingBytes += lead.length + head.length + record.length + LINE_CLOSE.length;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    };
  }

  /** The lines tapped since the last flush go to the queue as one buffer; a COPY starts if none is running. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.pendingBytes === 0 || this.failure !== undefined) return;
    this.queued.push(Buffer.concat(this.pending, this.pendingBytes));
    this.queuedBytes += this.pendingBytes;
    [this.pending, this.pendingBytes] = [[], 0];
    if (this.queuedBytes > this.maxQueuedBytes) {
      this.giveUp(`the database fell more than ${(this.maxQueuedBytes / (1024 * 1024)).toFixed(1)} MiB behind`);
      return;
    }
    this.copying ??= this.copyQueued().finally(() => (this.copying = undefined));
  }

  /** COPYs whatever is queued, then whatever was queued meanwhile, until the queue is empty. */
  private async copyQueued(): Promise<void> {
    while (this.queued.length > 0 && this.failure === undefined) {
      const batch = this.queued;
      [this.queued, this.queuedBytes] = [[], 0];
      try {
        await pipeline(Readable.from(batch), this.client.query(copyFrom(this.copySql)));
      } catch (e) {
        this.giveUp(`a COPY failed (${(e as Error).message})`);
      }
    }
  }

  private giveUp(reason: string): void {
    if (this.failure !== undefined) return;
    this.failure = reason;
    [this.pending, this.pendingBytes, this.queued, this.queuedBytes] = [[], 0, [], 0];
    this.notice(reason);
  }

  /** Waits for every tapped line to be copied. */
  private async drained(): Promise<void> {
    this.flush();
    while (this.copying) await this.copying;
  }

  /**
   * The segment's files are complete: drops the lines of superseded versions, checks each chunk's staged lines
   * against its file's rows and writes the markers, in one transaction. Returns the chunks staged (none if given up).
   */
  async complete(spools: ReadonlyArray<{ readonly chunkIndex: number; readonly spool: CompletedSpool }>): Promise<number[]> {
    try {
      await this.drained();
      if (this.failure !== undefined) return [];
      const client = this.client;
      await client.query('BEGIN');
      try {
        const superseded = spools.flatMap((s) => s.spool.supersededLines.map((line) => [s.chunkIndex, line] as const));
        if (superseded.length > 0) {
          await client.query(
            `DELETE FROM ${this.table} l USING unnest($1::int[], $2::int[]) AS s(chunk_index, line)
              WHERE l.chunk_index = s.chunk_index AND l.line = s.line`,
            [superseded.map(([c]) => c), superseded.map(([, l]) => l)],
          );
        }
        const { rows } = await client.query<{ chunk_index: number }>(
          `INSERT INTO ${STAGED_SPOOLS} (run_id, chunk_index, spool_sha256, lines)
           SELECT $1, m.chunk_index, m.sha256, m.lines
             FROM unnest($2::int[], $3::text[], $4::int[]) AS m(chunk_index, sha256, lines)
            WHERE m.lines = (SELECT count(*) FROM ${this.table} l WHERE l.chunk_index = m.chunk_index)
           RETURNING chunk_index`,
          [this.runId, spools.map((s) => s.chunkIndex), spools.map((s) => s.spool.sha256), spools.map((s) => s.spool.rows)],
        );
        await client.query('COMMIT');
        if (rows.length < spools.length) this.notice(`${spools.length - rows.length} chunk(s) staged incompletely (left to the spool)`);
        return rows.map((r) => r.chunk_index);
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    } catch (e) {
      this.giveUp(`could not complete (${(e as Error).message})`);
      return [];
    } finally {
      this.close();
    }
  }

  /** The segment failed or is read again: its lines are dropped (best effort) and staging stops. */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.failure ??= 'abandoned';
    try {
      while (this.copying) await this.copying;
      await this.client.query(`DELETE FROM ${this.table} WHERE chunk_index = ANY($1::int[])`, [this.chunkIndexes]);
    } catch {
      /* lines without a marker are never read; the export's end deletes them */
    } finally {
      this.close();
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.release(this.failure !== undefined && this.failure !== 'abandoned');
    this.onClose();
  }
}

/** Drops whatever is still staged for the runs (their export is over): their line tables and markers. */
export async function dropStaged(pool: Pool, runIds: readonly string[]): Promise<void> {
  const ids = runIds.filter(isRunId);
  if (ids.length === 0) return;
  await pool
    .query(
      `DO $$ BEGIN
         ${ids.map((id) => `DROP TABLE IF EXISTS ${stagedLinesTable(id)};`).join('\n         ')}
         IF to_regclass('${STAGED_SPOOLS}') IS NOT NULL THEN
           DELETE FROM ${STAGED_SPOOLS} WHERE run_id = ANY('{${ids.join(',')}}'::uuid[]);
         END IF;
       END $$`,
    )
    .catch(() => undefined);
}
