import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool, type Client } from 'pg';
import { clearRegisteredSecrets, registerSecret } from '../../src/core/sanitize';
import { report, reportRun } from '../../src/report/command';
import { renderMarkdown } from '../../src/report/markdown';
import { buildRunReport, type RunReport } from '../../src/report/model';
import { renderHtml } from '../../src/report/html';
import { PASS_NOTE, summaryLines } from '../../src/report/summary-table';
import { validateRun } from '../../src/validate/validate-run';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { resetTables, seedCleanRun } from '../validate/fixtures';

describe('run reports', () => {
  let db: TestDatabase;
  let pool: Pool;
  let c: Client;
  let out: string;
  let spoolDir: string;

  beforeAll(async () => {
    db = await createTestDatabase('report');
    await db.applyInit();
    pool = new Pool({ connectionString: db.url, max: 3 });
    c = await db.client();
    out = mkdtempSync(join(tmpdir(), 'qbo-report-'));
    spoolDir = mkdtempSync(join(tmpdir(), 'qbo-report-spool-'));
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
    rmSync(out, { recursive: true, force: true });
    rmSync(spoolDir, { recursive: true, force: true });
    clearRegisteredSecrets();
  });
  beforeEach(async () => {
    await resetTables(c);
    rmSync(out, { recursive: true, force: true });
  });

  it('builds totals, per-chunk rows, per-day volume and the latest validation pass from the database', async () => {
    const run = await seedCleanRun(c, { days: 28, spoolDir });
    await c.query('UPDATE ops.backfill_chunks SET retries = 2, throttled = 1, api_calls = api_calls + 2 WHERE run_id = $1 AND chunk_index = 1', [run.runId]);
    await validateRun(pool, run.runId);
    const r = await buildRunReport(pool, run.runId, () => new Date('2024-06-01T00:00:00Z'));
    expect(r.generated_at_utc).toBe('2024-06-01T00:00:00.000Z');
    expect(r.run).toMatchObject({ run_id: run.runId, entity: 'items', table: 'raw.qb_items', status: 'succeeded', range_start_utc: '2024-01-01T00:00:00.000Z' });
    expect(r.totals).toMatchObject({ chunks: 4, chunks_loaded: 4, rows_read: run.records.length, inserted: run.records.length, updated: 0, retries: 2, throttled: 1, rows_in_range: run.records.length, rows_in_table: run.records.length });
    expect(r.chunks).toHaveLength(4);
    expect(r.chunks[1]).toMatchObject({ chunk: 1, window_start_utc: '2024-01-08T00:00:00.000Z', retries: 2, throttled: 1, status: 'loaded' });
    expect(r.days).toHaveLength(28);
    expect(r.validation.counts).toEqual({ ok: 9, warning: 0, failure: 0 });
    // Figures the validator has just counted are taken as given, not counted again.
    const known = await buildRunReport(pool, run.runId, undefined, { tableRows: 12345, days: r.days });
    expect(known.totals).toMatchObject({ rows_in_table: 12345, rows_in_range: run.records.length });
  });

  it('writes Markdown, JSON, HTML and the text summary under <evidence>/<entity>/, plus a per-run history file', async () => {
    const run = await seedCleanRun(c, { days: 28, spoolDir });
    await validateRun(pool, run.runId);
    const { paths, lines, report: r } = await reportRun(pool, run.runId, { outDir: out });
    expect(paths.dir).toBe(join(out, 'items'));
    for (const p of [paths.markdown, paths.json, paths.html, paths.summary, paths.history]) expect(existsSync(p)).toBe(true);
    expect(readdirSync(join(out, 'items', 'runs'))).toEqual([expect.stringMatching(new RegExp(`_${run.runId}\\.md$`))]);
    const json = JSON.parse(readFileSync(paths.json, 'utf8')) as RunReport;
    expect(json).toEqual(JSON.parse(JSON.stringify(r)));
    const md = readFileSync(paths.markdown, 'utf8');
    expect(md).toContain(`# Backfill report — items`);
    expect(md).toMatch(/\| `idempotency` \| ✅ OK \| Re-loading 1 chunk/);
    expect(md).toContain('| 3 | 2024-01-22T00:00:00.000Z | 2024-01-29T00:00:00.000Z | loaded |');
    expect(md).toContain(`WHERE run_id = '${run.runId}'`);
    expect(readFileSync(paths.summary, 'utf8').trimEnd().split('\n')).toEqual(lines);
    expect(lines[0]).toMatch(new RegExp(`^items run ${run.runId} \\(succeeded\\): 4/4 chunks loaded, ${run.records.length} read, ${run.records.length} inserted`));
    expect(lines.some((l) => /^total\s+2024-01-01 → 2024-01-29\s+4\/4/.test(l))).toBe(true);
    expect(lines.some((l) => /^source_count\s+OK\s+All 4 loaded windows/.test(l))).toBe(true);
  });

  it('says which pass read windows read together, books its API calls on the first in every format, and counts its pages once', async () => {
    const run = await seedCleanRun(c, { days: 28, spoolDir });
    await c.query(`UPDATE ops.backfill_chunks SET pass_first_chunk = 1, pass_last_chunk = 3, pass_pages_read = 2, api_calls = CASE chunk_index WHEN 1 THEN 5 ELSE 0 END
                    WHERE run_id = $1 AND chunk_index BETWEEN 1 AND 3`, [run.runId]);
    const r = await buildRunReport(pool, run.runId);
    expect(r.chunks.map((x) => x.read_pass)).toEqual([null, ...Array(3).fill({ first_chunk: 1, last_chunk: 3, pages: 2 })]);
    expect(r.totals.pages).toBe(r.chunks[0]!.pages + 2); // pages requested: chunk 0's, and the pass's once
    const md = renderMarkdown(r);
    expect(md).toMatch(/^\| 1 \| 2024-01-08T00:00:00.000Z \|.*\| 5 \(pass 1-3\) \|/m);
    expect(md).toMatch(/^\| 2 \| 2024-01-15T00:00:00.000Z \|.*\| in pass 1-3 \|/m);
    expect(md).toContain(PASS_NOTE);
    expect(summaryLines(r).some((l) => /^3\s.*\sin pass 1-3\s/.test(l))).toBe(true);
    expect(renderHtml(r)).toContain('<td>in pass 1-3</td>');
  });

  it('says so when a run was never validated', async () => {
    const run = await seedCleanRun(c, { days: 7 });
    const r = await buildRunReport(pool, run.runId);
    expect(r.validation).toEqual({ checked_at_utc: null, counts: { ok: 0, warning: 0, failure: 0 }, results: [] });
    expect(renderMarkdown(r)).toMatch(/not validated yet/);
    expect(summaryLines(r)).toContain('(no validation results stored for this run)');
  });

  it('reports the latest run of each entity, or one run by id', async () => {
    const items = await seedCleanRun(c, { days: 7 });
    const customers = await seedCleanRun(c, { days: 7, entity: 'customers' });
    const latest = await report(pool, {}, { outDir: out });
    expect(latest.map((o) => [o.report.run.entity, o.report.run.run_id])).toEqual([
      ['customers', customers.runId],
      ['items', items.runId],
    ]);
    const one = await report(pool, { runId: items.runId }, { outDir: out });
    expect(one.map((o) => o.report.run.run_id)).toEqual([items.runId]);
    await expect(report(pool, { entity: 'invoices' }, { outDir: out })).rejects.toThrow(/No backfill run of invoices/);
  });

  it('never writes a registered secret, even one that reached a stored message', async () => {
    const run = await seedCleanRun(c, { days: 7 });
    registerSecret('s3cr3t-PG-password');
    await c.query(`UPDATE ops.backfill_runs SET origin_ref = 'trigger s3cr3t-PG-password' WHERE run_id = $1`, [run.runId]);
    await c.query(`INSERT INTO ops.validation_results (run_id, entity, check_name, severity, message) VALUES ($1, 'items', 'x', 'warning', 'postgres://u:s3cr3t-PG-password@db/x')`, [run.runId]);
    const { paths } = await reportRun(pool, run.runId, { outDir: out });
    for (const p of [paths.markdown, paths.json, paths.html, paths.summary, paths.history]) {
      expect(readFileSync(p, 'utf8')).not.toContain('s3cr3t-PG-password');
    }
    expect(readFileSync(paths.json, 'utf8')).toContain('[REDACTED]');
  });
});
