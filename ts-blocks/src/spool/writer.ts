/**
 * Writes one chunk's spool file: header, one line per record, footer. Lines go to a temporary file in the same
 * directory; `complete()` drops superseded versions (a record read twice keeps its newer version only), writes
 * the footer, fsyncs, renames to the final name and fsyncs the directory. Until then, no reader can see it.
 * The file is open only while written to: `suspend()` closes it between pages (the next write reopens it for
 * appending), so a segment of thousands of windows does not hold thousands of descriptors.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ScannedPage } from '../paginate/types';
import { fsyncDirectory } from './fsync';
import { recordLineHead, SPOOL_FORMAT, type SpoolFooter, type SpoolHeader } from './types';
import { isAtLeastAsNew, versionOf, type Version } from './versions';
import { recordJson } from '../query/raw-json';

const REWRITE_BUFFER_CHARS = 1 << 20;
/** Spool files hold QBO payloads (customer data): readable by their owner only. */
export const SPOOL_DIR_MODE = 0o700;
export const SPOOL_FILE_MODE = 0o600;
const LINE_END = Buffer.from('}\n');

export type SpoolHeaderFields = Omit<SpoolHeader, 'spool' | 'created_at_utc'>;

export interface CompletedSpool {
  readonly path: string;
  readonly rows: number;
  readonly pages: number;
  /**
   * Positions (1-based, as written) of the record lines the file no longer holds: the record versions read but
   * replaced by a newer read of the same Id.
   */
  readonly supersededLines: readonly number[];
  /** SHA-256 (hex) of the whole file as completed. */
  readonly sha256: string;
}

/** Sees each record line as it is written: its position (1-based), and its bytes as the parts of the line. */
export type LineTap = (line: number, parts: readonly [head: Buffer, record: Buffer]) => void;

/**
 * Creates `<spool>/<run_id>/<entity>/` owner-only (the spool directory too when it is new) and makes the run's
 * two directories owner-only when an earlier version created them open. The spool directory itself is left as
 * it is when it exists: QBO_SPOOL_DIR may name a directory that is not the project's.
 */
async function privateChunkDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: SPOOL_DIR_MODE });
  await fs.chmod(dir, SPOOL_DIR_MODE);
  await fs.chmod(dirname(dir), SPOOL_DIR_MODE);
}

export class SpoolWriter {
  private lines = 0;
  private readonly latest = new Map<string, { line: number; version: Version }>();
  private readonly superseded = new Set<number>();

  /** Open for appending while written to; undefined when suspended. */
  private handle: fs.FileHandle | undefined;
  private done = false;
  /** Of every byte written to the temporary file, in order (the file as completed when nothing is superseded). */
  private readonly hash: Hash;

  private constructor(
    readonly path: string,
    private readonly temp: string,
    headerLine: string,
    private readonly tap?: LineTap,
  ) {
    this.hash = createHash('sha256').update(headerLine);
  }

  /** Record lines written so far. */
  get lineCount(): number {
    return this.lines;
  }

  /** `tap`, if given, sees every record line written (store/pre-stage.ts copies them into PostgreSQL). */
  static async open(path: string, header: SpoolHeaderFields, tap?: LineTap): Promise<SpoolWriter> {
    await privateChunkDir(dirname(path));
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const full: SpoolHeader = { spool: SPOOL_FORMAT, ...header, created_at_utc: new Date().toISOString() };
    const headerLine = `${JSON.stringify(full)}\n`;
    await fs.writeFile(temp, headerLine, { flag: 'wx', mode: SPOOL_FILE_MODE });
    return new SpoolWriter(path, temp, headerLine, tap);
  }

  /** True while the file is open (between a write and `suspend()`). */
  get isOpen(): boolean {
    return this.handle !== undefined;
  }

  /** Closes the file until the next write (nothing is lost: it is reopened for appending). */
  async suspend(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  /**
   * Appends a page's records (one write per page): each line is recordLineHead, the record, `}` (types.ts); the
   * record's part is the text QBO sent for it when known (query/raw-json.ts).
   */
  async writePage(page: ScannedPage): Promise<void> {
    if (page.records.length === 0) return;
    const handle = await this.open();
    const prefix = Buffer.from(recordLineHead(page.pageNumber, page.pageSize, JSON.stringify(page.request)));
    const parts: Buffer[] = [];
    let size = 0;
    for (const record of page.records) {
      this.lines += 1;
      this.track(record.Id, versionOf(record));
      const json = recordJson(record);
      const body = typeof json === 'string' ? Buffer.from(json) : json;
      parts.push(prefix, body, LINE_END);
      size += prefix.length + body.length + LINE_END.length;
      this.tap?.(this.lines, [prefix, body]);
    }
    const data = Buffer.concat(parts, size);
    this.hash.update(data);
    await handle.write(data);
  }

  private track(id: string, version: Version): void {
    const previous = this.latest.get(id);
    if (previous === undefined || isAtLeastAsNew(version, previous.version)) {
      if (previous !== undefined) this.superseded.add(previous.line);
      this.latest.set(id, { line: this.lines, version });
    } else {
      this.superseded.add(this.lines);
    }
  }

  private async open(): Promise<fs.FileHandle> {
    if (this.done) throw new Error(`The spool file ${this.path} is already closed.`);
    this.handle ??= await fs.open(this.temp, 'a');
    return this.handle;
  }

  /**
   * Finishes the file and makes it visible under its final name. With `syncDirectory: false` the caller fsyncs the
   * directory itself (once for many files) before relying on the rename.
   */
  async complete(footer: { pages: number; sourceCount: number | null }, options: { syncDirectory?: boolean } = {}): Promise<CompletedSpool> {
    // fsync on a new descriptor also flushes what earlier ones wrote (it syncs the file, not the descriptor).
    const handle = await this.open();
    this.done = true;
    const rows = this.lines - this.superseded.size;
    const end: SpoolFooter = { end: true, rows, pages: footer.pages, source_count: footer.sourceCount };
    let source = this.temp;
    let sha256: string;
    if (this.superseded.size === 0) {
      const last = `${JSON.stringify(end)}\n`;
      await handle.write(last);
      await handle.sync();
      await handle.close();
      sha256 = this.hash.update(last).digest('hex');
    } else {
      await handle.close();
      ({ target: source, sha256 } = await this.rewriteWithout(this.superseded, end));
      await fs.rm(this.temp, { force: true });
    }
    this.handle = undefined;
    await fs.rename(source, this.path);
    if (options.syncDirectory !== false) await fsyncDirectory(dirname(this.path));
    const supersededLines = [...this.superseded].sort((a, b) => a - b);
    return { path: this.path, rows, pages: footer.pages, supersededLines, sha256 };
  }

  private async rewriteWithout(skip: ReadonlySet<number>, end: SpoolFooter): Promise<{ target: string; sha256: string }> {
    const target = `${this.temp}.2`;
    const out = await fs.open(target, 'wx', SPOOL_FILE_MODE);
    const hash = createHash('sha256');
    const write = async (text: string) => {
      hash.update(text);
      await out.write(text);
    };
    try {
      let index = 0;
      let buffer = '';
      const lines = createInterface({ input: createReadStream(this.temp, 'utf8'), crlfDelay: Infinity });
      for await (const line of lines) {
        if (!skip.has(index)) buffer += `${line}\n`;
        index += 1;
        if (buffer.length >= REWRITE_BUFFER_CHARS) {
          await write(buffer);
          buffer = '';
        }
      }
      await write(`${buffer}${JSON.stringify(end)}\n`);
      await out.sync();
    } finally {
      await out.close();
    }
    return { target, sha256: hash.digest('hex') };
  }

  /** Discards the unfinished file (the chunk failed). */
  async abort(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.done = true;
    await handle?.close().catch(() => undefined);
    await fs.rm(this.temp, { force: true });
    await fs.rm(`${this.temp}.2`, { force: true });
  }
}
