import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import type { BlockContext } from '../../src/blocks/harness';
import { validatorBody } from '../../src/blocks/validator';
import type { BackfillEvent } from '../../src/core/events';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { resetTables, seedCleanRun } from './fixtures';

const REPO = join(__dirname, '..', '..', '..');

describe('validator block', () => {
  let db: TestDatabase;
  let c: Client;
  let evidence: string;
  let spoolDir: string;

  beforeAll(async () => {
    db = await createTestDatabase('validator_block');
    await db.applyInit();
    c = await db.client();
    evidence = mkdtempSync(join(tmpdir(), 'qbo-evidence-'));
    spoolDir = mkdtempSync(join(tmpdir(), 'qbo-validator-spool-'));
  });
  afterAll(async () => {
    await db.drop();
    rmSync(evidence, { recursive: true, force: true });
    rmSync(spoolDir, { recursive: true, force: true });
  });
  beforeEach(async () => resetTables(c));

  const context = (upstream: unknown, events: BackfillEvent[], vars: Record<string, unknown> = {}): BlockContext => ({
    input: { vars, secrets: { DATABASE_URL: db.url }, upstream },
    emit: (e) => events.push(e),
    signal: new AbortController().signal,
  });
  const env = () => ({ QBO_EVIDENCE_DIR: evidence }) as NodeJS.ProcessEnv;
  const runStatus = async (runId: string) => (await c.query('SELECT status FROM ops.backfill_runs WHERE run_id = $1', [runId])).rows[0].status;

  it('validates the exporter\'s run, marks it succeeded, writes the reports and logs the summary table', async () => {
    const run = await seedCleanRun(c, { days: 21, spoolDir });
    await c.query(`UPDATE ops.backfill_runs SET status = 'loaded', finished_at_utc = NULL WHERE run_id = $1`, [run.runId]);
    const events: BackfillEvent[] = [];
    const summary = await validatorBody(context({ run_id: run.runId, entity: 'items', status: 'loaded' }, events, { idempotency_chunks: 'all' }), env());
    expect(summary).toMatchObject({ run_id: run.runId, entity: 'items', status: 'passed', validation: { ok: 9, warning: 0, failure: 0 }, failures: [], warnings: [] });
    expect(await runStatus(run.runId)).toBe('succeeded');
    const report = summary.report as Record<string, string>;
    expect(report.dir).toBe(join(evidence, 'items'));
    expect(existsSync(report.html)).toBe(true);
    expect(readFileSync(report.markdown, 'utf8')).toContain('status **succeeded**');
    const logs = events.filter((e) => e.type === 'log' && e.phase === 'report').map((e) => (e as { message: string }).message);
    expect(logs[0]).toMatch(new RegExp(`^items run ${run.runId} \\(succeeded\\)`));
    expect(logs.some((l) => /^chunk\s+window \(UTC, \[start, end\)\)\s+status\s+pages/.test(l))).toBe(true);
    expect(logs.some((l) => /^idempotency\s+OK\s+Re-loading 3 chunk/.test(l))).toBe(true);
    // padding survives Mage's HTML log viewer (no-break spaces)
    expect(logs.filter((l) => /^\d+\u00a0+2024-/.test(l))).toHaveLength(3);
    expect(events.filter((e) => e.type === 'validation')).toHaveLength(9);
  });

  it('once a run succeeded, removes the spool files of the earlier finished run of the entity, keeping its own', async () => {
    const first = await seedCleanRun(c, { days: 7, spoolDir });
    await c.query('TRUNCATE raw.qb_items'); // the second run loads the same records again
    const second = await seedCleanRun(c, { days: 7, spoolDir });
    await c.query(`UPDATE ops.backfill_runs SET status = 'loaded', finished_at_utc = NULL WHERE run_id = $1`, [second.runId]);
    expect(first.spoolPaths.every((p) => existsSync(p))).toBe(true);
    const events: BackfillEvent[] = [];
    await validatorBody(context({ run_id: second.runId, entity: 'items', status: 'loaded' }, events), env());
    expect(first.spoolPaths.some((p) => existsSync(p))).toBe(false);
    expect(second.spoolPaths.every((p) => existsSync(p))).toBe(true);
    expect(events.find((e) => e.type === 'log' && e.code === 'SPOOL_PRUNED')).toMatchObject({ level: 'info', tags: { run_id: second.runId } });
  });

  it('fails with the failed checks named, marks the run failed, and still writes the report', async () => {
    const run = await seedCleanRun(c, { days: 21, spoolDir });
    await c.query('UPDATE ops.backfill_chunks SET source_count = source_count + 4 WHERE run_id = $1 AND chunk_index = 0', [run.runId]);
    const events: BackfillEvent[] = [];
    await expect(validatorBody(context({ run_id: run.runId, entity: 'items' }, events), env())).rejects.toMatchObject({
      kind: 'data',
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/failed 1 check\(s\): source_count: .* Report: /),
    });
    expect(await runStatus(run.runId)).toBe('failed');
    expect(readFileSync(join(evidence, 'items', 'report.md'), 'utf8')).toMatch(/`source_count` \| ❌ FAILURE/);
  });

  it('rejects a bad validation variable naming it', async () => {
    const run = await seedCleanRun(c, { days: 7 });
    await expect(validatorBody(context({ run_id: run.runId, entity: 'items' }, [], { volumetry_outlier_z: 'high' }), env())).rejects.toThrow(/volumetry_outlier_z must be a number/);
  });

  it('as a process: exits 4 with an error event when a check fails, and 0 with a result otherwise', async () => {
    const run = await seedCleanRun(c, { days: 7, spoolDir });
    const runBlock = (): Promise<{ code: number | null; lines: Array<Record<string, unknown>> }> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'ts-blocks/src/blocks/validator.ts')], {
          cwd: REPO, env: { ...process.env, QBO_EVIDENCE_DIR: evidence }, stdio: ['pipe', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, lines: out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) }));
        child.stdin.end(`${JSON.stringify({ vars: {}, secrets: { DATABASE_URL: db.url }, upstream: { run_id: run.runId, entity: 'items' } })}\n`);
      });
    const ok = await runBlock();
    expect(ok.code).toBe(0);
    expect(ok.lines[ok.lines.length - 1]).toMatchObject({ type: 'result', ok: true, summary: { run_id: run.runId, status: 'passed' } });
    expect(JSON.stringify(ok.lines)).not.toContain(new URL(db.url).password || 'no-password-in-url');
    await c.query(`UPDATE raw.qb_items SET ingested_at_utc = now() + interval '1 day' WHERE id = '100'`);
    const bad = await runBlock();
    expect(bad.code).toBe(4);
    expect(bad.lines[bad.lines.length - 1]).toMatchObject({ type: 'error', error: { kind: 'data', code: 'VALIDATION_FAILED' } });
  }, 60_000);
});
