import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { BackfillEvent, LogEvent } from '../../src/core/events';
import { PgLedger } from '../../src/ledger/pg-ledger';
import { exportRun } from '../../src/pipeline/export-run';
import { chunkSpoolLines } from '../../src/pipeline/spool-source';
import type { QboRecord } from '../../src/spool/types';
import { loadChunks } from '../../src/store/load-chunk';
import { stagedChunks } from '../../src/store/load-staged';
import { PreStager, stagedLinesTable } from '../../src/store/pre-stage';
import { useInitDatabase } from '../helpers/init-database';
import { extractChunk, extractStaged, item, openItemsRun, target, writeChunkSpool, writeChunkSpoolTapped } from './fixtures';

describe('pre-staged spool lines (the loader copies them into PostgreSQL, the exporter merges from them)', () => {
  const t = useInitDatabase('pre_stage', { poolMax: 4 });
  let ledger: PgLedger;
  let dir: string;
  let notices: string[];
  const stager = (maxQueuedBytes?: number) => new PreStager(t.pool, (reason) => notices.push(reason), maxQueuedBytes);

  beforeAll(() => {
    ledger = new PgLedger(t.pool);
    dir = mkdtempSync(join(tmpdir(), 'qbo-prestage-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    notices = [];
    await t.pool.query('TRUNCATE raw.qb_items, ops.staged_spools');
  });

  const columns = `id, realm_id, payload::text, payload_sha256, source_last_updated_utc, source_sync_token, extract_window_start_utc,
    extract_window_end_utc, date_field, page_number, page_size, request_payload::text`;
  const snapshot = async () => (await t.pool.query(`SELECT ${columns} FROM raw.qb_items ORDER BY id`)).rows;
  const stagedRows = async (runId: string) => {
    const table = stagedLinesTable(runId);
    const exists = (await t.pool.query('SELECT to_regclass($1) IS NOT NULL AS e', [table])).rows[0].e;
    return exists ? (await t.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n : undefined;
  };
  const markers = async (runId: string) =>
    (await t.pool.query('SELECT chunk_index, spool_sha256, lines FROM ops.staged_spools WHERE run_id = $1 ORDER BY chunk_index', [runId])).rows;
  const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

  // Chunk 0 holds Id 1 twice (the older version is superseded in the file), chunk 2 is empty.
  const records: QboRecord[][] = [
    [
      item('1', '2024-01-02T10:00:00-08:00', 0, { Name: 'Tab\there, "quotes", back\\slash, \u001f unit, ünï ☃ 𝄞' }),
      item('2', '2024-01-03T10:00:00.123-08:00', 7, { Nested: { b: [1, 2.0, 1e3], a: null } }),
      item('1', '2024-01-04T10:00:00-08:00', 1),
    ],
    [item('3', '2024-01-09T10:00:00Z', 2), item('4', '2024-01-10T10:00:00+05:30', 1)],
    [],
  ];

  it('the writer reports the SHA-256 of the file as completed, and which lines it dropped', async () => {
    const run = await openItemsRun(ledger, 'realm-h', 2);
    const rewritten = await writeChunkSpoolTapped(dir, run, 0, records[0]!);
    expect(rewritten.sha256).toBe(sha(rewritten.path));
    expect(rewritten.supersededLines).toEqual([1]);
    const plain = await writeChunkSpoolTapped(dir, run, 1, records[1]!);
    expect(plain.sha256).toBe(sha(plain.path));
    expect(plain.supersededLines).toEqual([]);
  });

  it('marks each chunk with its file\'s SHA-256 and line count, without the superseded versions\' lines', async () => {
    const run = await openItemsRun(ledger, 'realm-m', 3);
    const { paths, staged } = await extractStaged(ledger, stager(), dir, run, records);
    expect(staged).toEqual([0, 1, 2]);
    expect(await markers(run.runId)).toEqual(paths.map((p, i) => ({ chunk_index: i, spool_sha256: sha(p), lines: [2, 2, 0][i] })));
    const { rows } = await t.pool.query(
      `SELECT chunk_index, line, doc #>> '{record,Id}' AS id FROM ${stagedLinesTable(run.runId)} ORDER BY chunk_index, line`,
    );
    expect(rows).toEqual([
      { chunk_index: 0, line: 2, id: '2' },
      { chunk_index: 0, line: 3, id: '1' },
      { chunk_index: 1, line: 1, id: '3' },
      { chunk_index: 1, line: 2, id: '4' },
    ]);
    // The staged line is the file's line, byte for byte as PostgreSQL reads it.
    const fileLines = [];
    for await (const line of chunkSpoolLines(paths[0]!, target(run, 0))) fileLines.push(JSON.parse(line.toString('utf8')));
    const staged0 = await t.pool.query(`SELECT doc FROM ${stagedLinesTable(run.runId)} WHERE chunk_index = 0 ORDER BY line`);
    expect(staged0.rows.map((r) => r.doc)).toEqual(fileLines);
    expect(notices).toEqual([]);
  });

  it('loads from the staged lines exactly what the spool lines load, with the same counts, and clears them', async () => {
    const viaStaged = await openItemsRun(ledger, 'realm-s', 3);
    await extractStaged(ledger, stager(), dir, viaStaged, records);
    const found = await stagedChunks(t.pool, viaStaged.runId, new Map(viaStaged.chunks.map((c) => [c.index, join(dir, viaStaged.runId, 'items', `chunk-0000${c.index}.ndjson`)])));
    expect([...found.entries()]).toEqual([[0, 2], [1, 2], [2, 0]]);
    const fast = await loadChunks(t.pool, ledger, [0, 1, 2].map((i) => ({ target: target(viaStaged, i), staged: { lines: found.get(i)! } })));
    const byStaged = await snapshot();
    // The markers go with the load; the lines stay until the run's export ends (its table is dropped then).
    expect(await markers(viaStaged.runId)).toEqual([]);
    expect(await stagedRows(viaStaged.runId)).toBe(4);

    await t.pool.query('TRUNCATE raw.qb_items');
    const viaSpool = await openItemsRun(ledger, 'realm-s', 3);
    const paths = [];
    for (const [i, r] of records.entries()) paths.push(await extractChunk(ledger, dir, viaSpool, i, r));
    const slow = await loadChunks(t.pool, ledger, paths.map((p, i) => ({ target: target(viaSpool, i), lines: () => chunkSpoolLines(p, target(viaSpool, i)) })));
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ run_id: _r, ...rest }) => rest);
    expect(strip(byStaged)).toEqual(strip(await snapshot()));
    expect(byStaged).toHaveLength(4);
    expect(fast.map((o) => (o.status === 'loaded' ? o.counts : o))).toEqual(slow.map((o) => (o.status === 'loaded' ? o.counts : o)));
    expect(fast[0]).toMatchObject({ counts: { rows_read: 2, rows_inserted: 2 } });
  });

  it('the exporter uses staged lines only where they match the spool file now; a chunk whose file changed is read from the file', async () => {
    const run = await openItemsRun(ledger, 'realm-e', 3);
    const { paths } = await extractStaged(ledger, stager(), dir, run, records);
    // Chunk 1's file is written again after staging (same chunk, another version of Id 3): its marker no longer matches.
    const before = sha(paths[1]!);
    await writeChunkSpool(dir, run, 1, [item('3', '2024-01-09T11:00:00Z', 3, { Name: 'from the file' }), item('4', '2024-01-10T10:00:00+05:30', 1)]);
    expect(sha(paths[1]!)).not.toBe(before);
    const found = await stagedChunks(t.pool, run.runId, new Map(paths.map((p, i) => [i, p])));
    expect([...found.keys()]).toEqual([0, 2]);

    const events: BackfillEvent[] = [];
    const summary = await exportRun({ pool: t.pool, ledger, emit: (e) => events.push(e) }, run.runId, 'items');
    // Batches: chunks 0-1 (their 4 rows), then the empty chunk 2. Not every chunk of the first is staged, so that
    // whole batch is read from the spool files; the second is loaded from its staged lines.
    expect(summary).toMatchObject({ status: 'loaded', chunks_loaded: 3, chunks_pre_staged: 1, totals: { rows_read: 4, rows_inserted: 4 } });
    const name = await t.pool.query(`SELECT payload->>'Name' AS name, source_sync_token FROM raw.qb_items WHERE id = '3'`);
    expect(name.rows).toEqual([{ name: 'from the file', source_sync_token: '3' }]);
    const log = events.find((e): e is LogEvent => e.type === 'log' && e.code === 'CHUNKS_PRE_STAGED');
    expect(log?.message).toMatch(/: 1 of 3 chunk\(s\) loaded from the lines the loader staged, 2 copied from their spool files\.$/);
    // The run is loaded: nothing of it stays staged.
    expect(await stagedRows(run.runId)).toBeUndefined();
    expect(await markers(run.runId)).toEqual([]);
  });

  it('the exporter loads a fully staged run from the staged lines and says so', async () => {
    const run = await openItemsRun(ledger, 'realm-f', 3);
    await extractStaged(ledger, stager(), dir, run, records);
    const events: BackfillEvent[] = [];
    const summary = await exportRun({ pool: t.pool, ledger, emit: (e) => events.push(e) }, run.runId, 'items');
    expect(summary).toMatchObject({ status: 'loaded', chunks_loaded: 3, chunks_pre_staged: 3, totals: { rows_read: 4, rows_inserted: 4, rows_skipped: 0 } });
    const log = events.find((e): e is LogEvent => e.type === 'log' && e.code === 'CHUNKS_PRE_STAGED');
    expect(log?.message).toMatch(/: 3 of 3 chunk\(s\) loaded from the lines the loader staged, 0 copied from their spool files\.$/);
    expect((await snapshot()).map((r) => r.id)).toEqual(['1', '2', '3', '4']);
    expect(await stagedRows(run.runId)).toBeUndefined();
  });

  it('an export resumed after some batches loaded uses the markers left for the rest', async () => {
    const run = await openItemsRun(ledger, 'realm-r', 3);
    const { paths } = await extractStaged(ledger, stager(), dir, run, [records[0]!, [item('7', '2024-01-09T10:00:00Z')], [item('8', '2024-01-16T10:00:00Z')]]);
    const found = await stagedChunks(t.pool, run.runId, new Map(paths.map((p, i) => [i, p])));
    await loadChunks(t.pool, ledger, [{ target: target(run, 0), staged: { lines: found.get(0)! } }]);
    expect((await markers(run.runId)).map((m) => m.chunk_index)).toEqual([1, 2]);
    const summary = await exportRun({ pool: t.pool, ledger, emit: () => undefined }, run.runId, 'items');
    expect(summary).toMatchObject({ status: 'loaded', chunks_loaded: 2, chunks_skipped: 1, chunks_pre_staged: 2 });
    expect((await snapshot()).map((r) => r.id)).toEqual(['1', '2', '7', '8']);
    expect(await stagedRows(run.runId)).toBeUndefined();
  });

  it('staged lines missing under an intact marker fail the staged load whole, and the exporter reads the spool instead', async () => {
    const run = await openItemsRun(ledger, 'realm-g', 3);
    const { paths } = await extractStaged(ledger, stager(), dir, run, records);
    await t.pool.query(`DELETE FROM ${stagedLinesTable(run.runId)} WHERE chunk_index = 1 AND line = 2`);
    const found = await stagedChunks(t.pool, run.runId, new Map(paths.map((p, i) => [i, p])));
    await expect(loadChunks(t.pool, ledger, [0, 1, 2].map((i) => ({ target: target(run, i), staged: { lines: found.get(i)! } })))).rejects.toMatchObject({
      code: 'STAGED_LINES_INCOMPLETE',
    });
    // Nothing of that load was committed: no rows, chunks still extracted, the staged lines still there.
    expect(await snapshot()).toEqual([]);
    expect((await ledger.getRunDetail(run.runId)).chunks.map((c) => c.status)).toEqual(['extracted', 'extracted', 'extracted']);
    expect(await stagedRows(run.runId)).toBe(3);
    const events: BackfillEvent[] = [];
    const summary = await exportRun({ pool: t.pool, ledger, emit: (e) => events.push(e) }, run.runId, 'items');
    // Chunks 0-1 (one batch) from the spool files, the empty chunk 2 (a batch of its own) from its staged lines.
    expect(summary).toMatchObject({ status: 'loaded', chunks_pre_staged: 1, totals: { rows_read: 4, rows_inserted: 4 } });
    const notUsed = events.filter((e): e is LogEvent => e.type === 'log' && e.code === 'PRE_STAGED_NOT_USED');
    expect(notUsed.map((e) => e.message)).toEqual([
      `Chunks 0-1 of run ${run.runId}: the staged lines were not used (The lines staged for chunk 1 of items (run ${run.runId}) ` +
        'do not match its marker.); copying them from the spool files.',
    ]);
  });

  it('a segment read again or aborted leaves nothing staged, and staging it again replaces what an earlier attempt left', async () => {
    const run = await openItemsRun(ledger, 'realm-a', 2);
    const segment = (await stager().begin(run.runId, [0, 1]))!;
    await writeChunkSpoolTapped(dir, run, 0, records[0]!, 2, segment.tap(0));
    await new Promise((r) => setImmediate(r));
    await segment.abandon();
    expect(await stagedRows(run.runId)).toBe(0);
    expect(await segment.complete([])).toEqual([]);
    // Lines left without a marker (a loader that died) are deleted when the chunks are staged again.
    await t.pool.query(`INSERT INTO ${stagedLinesTable(run.runId)} VALUES (0, 1, '{}'), (1, 9, '{}')`);
    const { staged } = await extractStaged(ledger, stager(), dir, run, records.slice(0, 2));
    expect(staged).toEqual([0, 1]);
    expect(await stagedRows(run.runId)).toBe(4);
  });

  it('gives staging up, with one notice, when the database falls too far behind or refuses a line; the spool still loads', async () => {
    const run = await openItemsRun(ledger, 'realm-b', 3);
    const { staged } = await extractStaged(ledger, stager(100), dir, run, records);
    expect(staged).toEqual([]);
    expect(notices).toEqual(['the database fell more than 0.0 MiB behind']);
    expect(await markers(run.runId)).toEqual([]);

    notices = [];
    const nul = await openItemsRun(ledger, 'realm-n', 1);
    // jsonb refuses \u0000: the COPY fails, the segment is not staged, the exporter's own paths handle the record.
    const refused = await extractStaged(ledger, stager(), dir, nul, [[item('9', '2024-01-02T10:00:00Z', 0, { Name: 'nul \u0000 here' })]]);
    expect(refused.staged).toEqual([]);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toBe('a COPY failed (unsupported Unicode escape sequence)');
    const summary = await exportRun({ pool: t.pool, ledger, emit: () => undefined }, nul.runId, 'items');
    expect(summary).toMatchObject({ status: 'loaded', chunks_pre_staged: 0, totals: { rows_inserted: 1 } });
  });

  it('stages nothing, and says once how to enable it, when the database has no staging tables', async () => {
    const run = await openItemsRun(ledger, 'realm-t', 1);
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('ALTER TABLE ops.staged_spools RENAME TO staged_spools_away');
      const s = new PreStager(client as never, (reason) => notices.push(reason));
      expect(await s.begin(run.runId, [0])).toBeUndefined();
      expect(await s.begin(run.runId, [0])).toBeUndefined();
      expect(notices).toEqual(['ops.staged_spools does not exist (run `qbo-backfill db init` to create it); off for the rest of this run']);
      expect(await stagedChunks(client as never, run.runId, new Map([[0, join(dir, 'none')]]))).toEqual(new Map());
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('a discarded run (nothing read) leaves no staged table or marker behind', async () => {
    const run = await openItemsRun(ledger, 'realm-d', 2);
    const s = stager();
    await extractStaged(ledger, s, dir, run, records.slice(0, 2));
    expect(await stagedRows(run.runId)).toBe(4);
    await s.discard(run.runId);
    expect(await stagedRows(run.runId)).toBeUndefined();
    expect(await markers(run.runId)).toEqual([]);
  });

  it('a stager that cannot start (no right to create the run\'s table) says so once and does not try again', async () => {
    const run = await openItemsRun(ledger, 'realm-p', 2);
    await t.pool.query(`DO $$ BEGIN CREATE ROLE qbo_prestage_reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    await t.pool.query('GRANT USAGE ON SCHEMA ops TO qbo_prestage_reader; GRANT SELECT ON ops.staged_spools TO qbo_prestage_reader');
    const url = new URL(t.db.url);
    url.username = 'qbo_prestage_reader';
    const limited = new Pool({ connectionString: url.toString(), max: 2 });
    try {
      const s = new PreStager(limited, (reason) => notices.push(reason));
      expect(await s.begin(run.runId, [0])).toBeUndefined();
      expect(await s.begin(run.runId, [1])).toBeUndefined();
      // (permission denied for schema ops; where the server asks this role for a password, the connection's refusal)
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/^could not start \(.+\); off for the rest of this run$/);
    } finally {
      await limited.end();
      await t.pool.query('REVOKE ALL ON ops.staged_spools FROM qbo_prestage_reader; REVOKE USAGE ON SCHEMA ops FROM qbo_prestage_reader');
      await t.pool.query('DROP ROLE qbo_prestage_reader');
    }
  });

  it('stages at most two segments of a process at once', async () => {
    const run = await openItemsRun(ledger, 'realm-c', 3);
    const s = stager();
    const [a, b, c] = [await s.begin(run.runId, [0]), await s.begin(run.runId, [1]), await s.begin(run.runId, [2])];
    expect([a !== undefined, b !== undefined, c]).toEqual([true, true, undefined]);
    await a!.abandon();
    const d = await s.begin(run.runId, [2]);
    expect(d).toBeDefined();
    await Promise.all([b!.abandon(), d!.abandon()]);
  });

  it('a spool file edited in place after staging (same size) no longer matches its marker', async () => {
    const run = await openItemsRun(ledger, 'realm-i', 2);
    const { paths } = await extractStaged(ledger, stager(), dir, run, records.slice(0, 2));
    const text = readFileSync(paths[0]!, 'utf8');
    writeFileSync(paths[0]!, text.replace('"Item 2"', '"Item X"'));
    const found = await stagedChunks(t.pool, run.runId, new Map(paths.map((p, i) => [i, p])));
    expect([...found.keys()]).toEqual([1]);
  });
});
