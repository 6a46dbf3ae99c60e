import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isDataError } from '../../src/core/errors';
import { readSpool, readSpoolFooter, readSpoolHeader, spoolPath, SpoolWriter, type SpooledRow } from '../../src/spool';
import type { ScannedPage } from '../../src/paginate/types';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qbo-spool-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const header = {
  run_id: '00000000-0000-4000-8000-000000000001',
  entity: 'invoices' as const,
  realm_id: 'realm-1',
  chunk_index: 12,
  window_start_utc: '2024-01-01T00:00:00.000Z',
  window_end_utc: '2024-01-08T00:00:00.000Z',
  date_field: 'last_updated' as const,
};
const request = (q: string) => ({ method: 'POST' as const, path: '/v3/company/realm-1/query', params: { minorversion: 75 }, query: q });
const rec = (id: string, updated: string, sync = '0') => ({ Id: id, SyncToken: sync, MetaData: { LastUpdatedTime: updated } });
const page = (n: number, records: ScannedPage['records']): ScannedPage => ({ pageNumber: n, pageSize: 2, request: request(`Q${n}`), records });

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function rows(path: string): Promise<SpooledRow[]> {
  const out: SpooledRow[] = [];
  for await (const r of readSpool(path)) out.push(r);
  return out;
}

describe('spool files', () => {
  it('names files <spoolDir>/<run_id>/<entity>/chunk-NNNNN.ndjson', () => {
    expect(spoolPath('/s', header.run_id, 'invoices', 12)).toBe(`/s/${header.run_id}/invoices/chunk-00012.ndjson`);
  });

  it('round-trips header, rows (page number, page size, request payload, record) and footer', async () => {
    const path = spoolPath(dir, header.run_id, 'invoices', 12);
    const w = await SpoolWriter.open(path, header);
    await w.writePage(page(1, [rec('1', '2024-01-01T01:00:00-08:00'), rec('2', '2024-01-01T02:00:00-08:00')]));
    await w.writePage(page(2, [rec('3', '2024-01-01T03:00:00-08:00')]));
    const done = await w.complete({ pages: 2, sourceCount: 3 });
    expect(done).toEqual({ path, rows: 3, pages: 2, supersededLines: [], sha256: createHash('sha256').update(readFileSync(path)).digest('hex') });
    expect(await readSpoolHeader(path)).toMatchObject({ spool: 'qbo-backfill/1', ...header });
    expect(await readSpoolFooter(path)).toEqual({ end: true, rows: 3, pages: 2, source_count: 3 });
    const got = await rows(path);
    expect(got.map((r) => [r.page_number, r.page_size, r.request_payload.query, r.record.Id])).toEqual([
      [1, 2, 'Q1', '1'],
      [1, 2, 'Q1', '2'],
      [2, 2, 'Q2', '3'],
    ]);
  });

  it("gives each row its record's and request's JSON text as written, only when the line is laid out as the writer does", async () => {
    const path = spoolPath(dir, header.run_id, 'invoices', 12);
    const w = await SpoolWriter.open(path, header);
    const tricky = { ...rec('1', '2024-01-01T01:00:00-08:00'), Memo: 'a,"record":{"x":1}\\ and "quotes"\ttab', Nested: { record: [1, 2.5, null] } };
    await w.writePage(page(1, [tricky]));
    await w.complete({ pages: 1, sourceCount: 1 });
    const [row] = (await collect(readSpool(path))) as Array<SpooledRow & { recordText?: string; requestText?: string }>;
    expect(row!.recordText).toBe(JSON.stringify(tricky));
    expect(JSON.parse(row!.recordText!)).toEqual(tricky);
    expect(row!.requestText).toBe(JSON.stringify(request('Q1')));
    // A line laid out otherwise (record not last) still reads, without the shortcut.
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[1] = JSON.stringify({ record: tricky, page_number: 1, page_size: 2, request_payload: request('Q1') });
    writeFileSync(path, lines.join('\n'));
    const [other] = (await collect(readSpool(path))) as Array<SpooledRow & { recordText?: string }>;
    expect(other!.record).toEqual(tricky);
    expect(other!.recordText).toBeUndefined();
  });

  it('closes its file when suspended and appends to it on the next write, nothing lost', async () => {
    const path = spoolPath(dir, header.run_id, 'invoices', 12);
    const w = await SpoolWriter.open(path, header);
    expect(w.isOpen).toBe(false); // created with its header, not held open
    await w.writePage(page(1, [rec('1', '2024-01-01T01:00:00-08:00')]));
    expect(w.isOpen).toBe(true);
    await w.suspend();
    expect(w.isOpen).toBe(false);
    await w.writePage(page(2, [rec('2', '2024-01-01T02:00:00-08:00')]));
    await w.suspend();
    await w.complete({ pages: 2, sourceCount: 2 });
    expect((await rows(path)).map((r) => [r.page_number, r.record.Id])).toEqual([[1, '1'], [2, '2']]);
    await expect(w.writePage(page(3, [rec('3', '2024-01-01T03:00:00-08:00')]))).rejects.toThrow(/already closed/);
  });

  it('is invisible under its final name until complete, and leaves nothing behind when aborted', async () => {
    const path = spoolPath(dir, header.run_id, 'invoices', 1);
    const w = await SpoolWriter.open(path, header);
    await w.writePage(page(1, [rec('1', '2024-01-01T01:00:00-08:00')]));
    expect(existsSync(path)).toBe(false);
    expect(await readSpoolFooter(path)).toBeUndefined();
    await w.abort();
    expect(readdirSync(dirname(path))).toEqual([]);
  });

  it('keeps only the newest version of a record read twice', async () => {
    const path = spoolPath(dir, header.run_id, 'invoices', 2);
    const w = await SpoolWriter.open(path, header);
    await w.writePage(page(1, [rec('1', '2024-01-01T01:00:00-08:00'), rec('2', '2024-01-01T02:00:00-08:00')]));
    await w.writePage(page(2, [rec('1', '2024-01-01T05:00:00-08:00', '1'), rec('3', '2024-01-01T03:00:00-08:00')]));
    await w.writePage(page(3, [rec('2', '2024-01-01T01:59:00-08:00')])); // an older version read later: ignored
    const done = await w.complete({ pages: 3, sourceCount: null });
    expect(done).toMatchObject({ rows: 3 });
    expect(done.supersededLines).toHaveLength(2);
    const got = await rows(path);
    expect(got.map((r) => [r.record.Id, r.record.SyncToken, r.page_number])).toEqual([
      ['2', '0', 1],
      ['1', '1', 2],
      ['3', '0', 2],
    ]);
    expect(readdirSync(dirname(path))).toEqual(['chunk-00002.ndjson']);
  });

  it('is readable by its owner only: run and entity directories 0700, files 0600, even where an older run left them open', async () => {
    const mode = (p: string) => statSync(p).mode & 0o777;
    const spoolDir = join(dir, 'spool');
    const plain = spoolPath(spoolDir, header.run_id, 'invoices', 1);
    const rewritten = spoolPath(spoolDir, header.run_id, 'invoices', 2);
    mkdirSync(dirname(plain), { recursive: true, mode: 0o755 });
    chmodSync(dirname(plain), 0o755);
    chmodSync(dirname(dirname(plain)), 0o755);
    const a = await SpoolWriter.open(plain, header);
    await a.writePage(page(1, [rec('1', '2024-01-01T01:00:00-08:00')]));
    await a.complete({ pages: 1, sourceCount: null });
    const b = await SpoolWriter.open(rewritten, { ...header, chunk_index: 2 });
    await b.writePage(page(1, [rec('1', '2024-01-01T01:00:00-08:00')]));
    await b.writePage(page(2, [rec('1', '2024-01-01T02:00:00-08:00', '1')])); // superseded: the file is rewritten
    await b.complete({ pages: 2, sourceCount: null });
    expect([mode(dirname(plain)), mode(dirname(dirname(plain)))]).toEqual([0o700, 0o700]);
    expect([mode(plain), mode(rewritten)]).toEqual([0o600, 0o600]);
    const fresh = spoolPath(join(dir, 'new-spool'), header.run_id, 'items', 0);
    await (await SpoolWriter.open(fresh, header)).abort();
    expect(mode(join(dir, 'new-spool'))).toBe(0o700);
  });

  it('refuses a file without footer or with a wrong row count', async () => {
    const path = join(dir, 'x.ndjson');
    writeFileSync(path, `${JSON.stringify({ spool: 'qbo-backfill/1', ...header })}\n${JSON.stringify({ page_number: 1, page_size: 2, request_payload: request('Q'), record: rec('1', 'x') })}\n`);
    await expect(rows(path)).rejects.toMatchObject({ code: 'SPOOL_INCOMPLETE' });
    appendFileSync(path, `${JSON.stringify({ end: true, rows: 2, pages: 1, source_count: 2 })}\n`);
    const err = await rows(path).catch((e: unknown) => e);
    expect(isDataError(err)).toBe(true);
    expect((err as Error).message).toContain('declares 2 rows but holds 1');
  });

  it('refuses a file that is not a spool file', async () => {
    const path = join(dir, 'y.ndjson');
    writeFileSync(path, '{"hello":1}\n');
    await expect(rows(path)).rejects.toThrow(/does not start with a qbo-backfill\/1 header/);
    expect(readFileSync(path, 'utf8')).toBe('{"hello":1}\n');
  });
});
