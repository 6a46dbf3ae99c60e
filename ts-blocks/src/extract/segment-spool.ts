/**
 * The spool files of a segment: consecutive chunks read by one scan. Each record goes to the chunk whose window
 * holds its sort key; each chunk counts its rows and the pages that delivered to it. At most OPEN_FILES of the
 * segment's files are open at once (the least recently written are closed until written again), so a segment may
 * span any number of windows. With the run's pre-stager (ctx.stager), every line written is also copied into
 * PostgreSQL and the staged chunks are marked when the files are complete (store/pre-stage.ts); a segment read
 * again or aborted stops staging.
 */
import { dirname } from 'node:path';
import type { ScannedPage } from '../paginate/types';
import { sortKey } from '../paginate/sort-key';
import type { ChunkPlan } from '../ledger/types';
import { spoolPath } from '../spool/paths';
import { SpoolWriter, type CompletedSpool, type LineTap } from '../spool/writer';
import type { SegmentStager } from '../store/pre-stage';
import { fsyncDirectory } from '../spool/fsync';
import type { ChunkContext } from './context';
import { runPool } from './pool';

/** Spool files created or completed at once. */
const FILES_AT_ONCE = 64;
/** Spool files of a segment kept open between pages. */
export const OPEN_FILES = 128;

/**
 * Runs `work` on every item, FILES_AT_ONCE at a time, and returns the results in order; after a failure nothing
 * more is started, and the first error is thrown once the work under way has ended.
 */
async function eachFile<T, R>(items: readonly T[], work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let failure: { error: unknown } | undefined;
  await runPool(items.map((_, i) => i), FILES_AT_ONCE, async (i) => {
    try {
      out[i] = await work(items[i]!, i);
    } catch (error) {
      failure ??= { error };
    }
  }, () => failure !== undefined);
  if (failure) throw failure.error;
  return out;
}

interface Part {
  readonly chunk: ChunkPlan;
  writer: SpoolWriter;
  pages: number;
}

function openWriter(ctx: ChunkContext, chunk: ChunkPlan, tap?: LineTap): Promise<SpoolWriter> {
  const header = {
    run_id: ctx.runId,
    entity: ctx.entity.name,
    realm_id: ctx.realmId,
    chunk_index: chunk.index,
    window_start_utc: chunk.windowStart.toISOString(),
    window_end_utc: chunk.windowEnd.toISOString(),
    date_field: ctx.dateField,
  };
  return SpoolWriter.open(spoolPath(ctx.spoolDir, ctx.runId, ctx.entity.name, chunk.index), header, tap);
}

export class SegmentSpool {
  /** Parts whose file is open, least recently written first. */
  private readonly open = new Set<Part>();

  private constructor(
    private readonly ctx: ChunkContext,
    private readonly parts: readonly Part[],
    private stager: SegmentStager | undefined,
  ) {}

  static async open(ctx: ChunkContext, chunks: readonly ChunkPlan[]): Promise<SegmentSpool> {
    const stager = await ctx.stager?.begin(ctx.runId, chunks.map((c) => c.index));
    const parts: Part[] = [];
    try {
      await eachFile(chunks, async (chunk, i) => {
        parts[i] = { chunk, writer: await openWriter(ctx, chunk, stager?.tap(chunk.index)), pages: 0 };
      });
    } catch (e) {
      await Promise.all(parts.filter(Boolean).map((p) => p.writer.abort()));
      await stager?.abandon();
      throw e;
    }
    return new SegmentSpool(ctx, parts, stager);
  }

  private partFor(key: number): Part {
    // Parts are consecutive windows in order: binary search for the one holding the key.
    let lo = 0;
    let hi = this.parts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const part = this.parts[mid]!;
      if (key < part.chunk.windowStart.getTime()) hi = mid - 1;
      else if (key >= part.chunk.windowEnd.getTime()) lo = mid + 1;
      else return part;
    }
    // The scan only asks for [first start, last end), and read-page.ts checks every key against it.
    throw new Error(`No chunk of this segment holds sort key ${new Date(key).toISOString()}.`);
  }

  async write(page: ScannedPage): Promise<void> {
    const byPart = new Map<Part, ScannedPage['records'][number][]>();
    const seen = this.ctx.seen;
    for (const record of page.records) {
      seen?.add(record.Id);
      const part = this.partFor(sortKey(this.ctx.mapping, record));
      const records = byPart.get(part);
      if (records) records.push(record);
      else byPart.set(part, [record]);
    }
    for (const [part, records] of byPart) {
      part.pages += 1;
      await this.written(part);
      await part.writer.writePage({ ...page, records });
    }
  }

  /** Marks `part` most recently written, closing the least recently written file beyond OPEN_FILES. */
  private async written(part: Part): Promise<void> {
    this.open.delete(part);
    this.open.add(part);
    if (this.open.size <= OPEN_FILES) return;
    const oldest = this.open.values().next().value as Part;
    this.open.delete(oldest);
    await oldest.writer.suspend();
  }

  /** Pages that delivered at least one record to the chunk. */
  pagesOf(chunk: ChunkPlan): number {
    return this.parts.find((p) => p.chunk.index === chunk.index)?.pages ?? 0;
  }

  /**
   * Completes every file (several at once: their fsyncs overlap), then makes the renames durable with one fsync of
   * the directory; `footers[i]` belongs to the i-th chunk of the segment. Returns them in chunk order.
   */
  async complete(footers: ReadonlyArray<{ pages: number; sourceCount: number | null }>): Promise<CompletedSpool[]> {
    const out = await eachFile(this.parts, (part, i) => part.writer.complete(footers[i]!, { syncDirectory: false }));
    if (out.length > 0) await fsyncDirectory(dirname(out[0]!.path));
    await this.stager?.complete(out.map((spool, i) => ({ chunkIndex: this.parts[i]!.chunk.index, spool })));
    this.stager = undefined;
    return out;
  }

  /** Record lines written per chunk so far (a record read twice counts twice until completion). */
  linesOf(chunk: ChunkPlan): number {
    return this.parts.find((p) => p.chunk.index === chunk.index)?.writer.lineCount ?? 0;
  }

  /** Discards what was written for these chunks so far: they are read again from scratch. */
  async reset(chunks: readonly ChunkPlan[]): Promise<void> {
    await this.stager?.abandon();
    this.stager = undefined;
    for (const part of this.parts.filter((p) => chunks.some((c) => c.index === p.chunk.index))) {
      await part.writer.abort();
      this.open.delete(part);
      part.writer = await openWriter(this.ctx, part.chunk);
      part.pages = 0;
    }
  }

  async abort(): Promise<void> {
    await Promise.all(this.parts.map((p) => p.writer.abort()));
    await this.stager?.abandon();
    this.stager = undefined;
  }
}
