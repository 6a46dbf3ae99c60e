/**
 * Produces the evidence folder from a real run: `npx tsx scripts/evidence.ts` (after `npm ci`; Debian `chromium`).
 *
 * The local QBO sandbox (a seeded company, a few injected 5xx/reset faults so retries show) → a fresh PostgreSQL
 * database with db/init and its own login role → `mage start` on a scratch copy of mage_project (so Mage's trigger
 * write-backs never touch the working tree) with a data dir under .run/evidence → the sandbox's throw-away values
 * into Mage Secrets through Mage's REST API → the three one-time triggers armed the same way → the scheduler runs
 * the pipelines (the compiled blocks of this checkout) →
 * screenshots of Mage's own pages in headless Chromium (trigger configuration, finished run, logs with metrics,
 * Secrets with values hidden, the idempotent re-run) and of the raw tables and the HTML report → a credential scan
 * of everything written. The per-run reports under evidencias/<entity>/ are the validator blocks' own output.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Pool } from 'pg';
import type { BrowserContext, Page } from 'playwright-core';
import type { Entity } from '../ts-blocks/src/core/events';
import { initDatabase } from '../ts-blocks/src/db/init';
import { enableSchedule, getSchedule, mageUtc, runOnce, waitForFinishedRun, waitForSchedule, type PipelineRun, type PipelineSchedule } from '../ts-blocks/src/demo/mage-api';
import { ensureMageVenv, runCommand } from '../ts-blocks/src/demo/mage-cli';
import { MageServer } from '../ts-blocks/src/demo/mage-server';
import { ensurePostgres, type LocalPostgres } from '../ts-blocks/src/devdb/local-postgres';
import { startSandbox, type SandboxHandle } from '../ts-blocks/src/sandbox';
import { launchBrowser, openMagePage, shoot, signIntoMage, widenLeftPanel } from './evidence-browser';
import { scanForCredentials } from './evidence-check';
import { writeEvidenceIndex, type Shot } from './evidence-index';
import { rawTablePage } from './evidence-raw';

const ROOT = resolve(__dirname, '..');
const OUT = resolve(process.env.QBO_EVIDENCE_DIR ?? join(ROOT, 'evidencias'));
const SHOTS = join(OUT, 'screenshots');
const WORK = join(ROOT, '.run', 'evidence');
const DATA_DIR = join(WORK, 'mage_data');
const PROJECT_COPY = join(WORK, 'project', 'mage_project');
const DATABASE = 'qbo_evidence';
const ENTITIES: readonly Entity[] = ['invoices', 'customers', 'items'];
const VARIABLES = { fecha_inicio: '2021-01-01T00:00:00Z', fecha_fin: '2026-01-01T00:00:00Z', chunk_days: 30 };
const RUN_TIMEOUT_MS = 20 * 60_000;
const ARM_AHEAD_MS = 75_000;
const pipelineOf = (e: Entity) => `qb_${e}_backfill`;
const say = (line: string) => process.stdout.write(`${line}\n`);

interface Env {
  pg: LocalPostgres;
  dbUrl: string;
  sandbox: SandboxHandle;
  mage: MageServer;
  browser: Awaited<ReturnType<typeof launchBrowser>>;
  ui: BrowserContext;
  shots: Shot[];
}

/** mage_project as committed (HEAD): triggers inactive as shipped, whatever the working tree holds right now. */
async function copyCommittedProject(): Promise<void> {
  mkdirSync(join(WORK, 'project'), { recursive: true });
  const r = await runCommand('sh', ['-c', `git archive HEAD mage_project | tar -x -C '${join(WORK, 'project')}'`], process.env);
  if (r.code !== 0) throw new Error(`Copying mage_project from git HEAD failed: ${r.stderr.trim()}`);
}

/** A fresh database owned by a login role with a password (so PG_PASSWORD is a real secret to hide). */
async function freshDatabase(pg: LocalPostgres): Promise<string> {
  const password = randomBytes(18).toString('base64url');
  const admin = new Client({ connectionString: pg.url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${DATABASE}`);
    await admin.query(`CREATE ROLE ${DATABASE} LOGIN PASSWORD '${password}'`);
    await admin.query(`CREATE DATABASE ${DATABASE} OWNER ${DATABASE}`);
  } finally {
    await admin.end();
  }
  const u = new URL(pg.url);
  u.pathname = `/${DATABASE}`;
  u.username = DATABASE;
  u.password = password;
  const pool = new Pool({ connectionString: u.toString(), max: 1 });
  try {
    await initDatabase(pool);
  } finally {
    await pool.end();
  }
  return u.toString();
}

/** The secrets the pipelines read (mage_project/utils/mage_secrets.py), pointed at the sandbox and the database. */
async function storeSecrets(mage: MageServer, sandbox: SandboxHandle, dbUrl: string): Promise<void> {
  const db = new URL(dbUrl);
  const values: Record<string, string> = {
    QBO_CLIENT_ID: sandbox.clientId, QBO_CLIENT_SECRET: sandbox.clientSecret, QBO_REALM_ID: sandbox.realmId,
    QBO_REFRESH_TOKEN: sandbox.refreshToken, QBO_ENV: 'sandbox', QBO_API_BASE_URL: sandbox.baseUrl, QBO_TOKEN_URL: sandbox.tokenUrl,
    PG_HOST: db.hostname, PG_PORT: db.port || '5432', PG_DATABASE: db.pathname.slice(1), PG_USER: decodeURIComponent(db.username),
    PG_PASSWORD: decodeURIComponent(db.password),
  };
  for (const [name, value] of Object.entries(values)) await mage.api('POST', 'secrets', { secret: { name, value } });
}

interface ShotOptions {
  /** Wait until this text is on the page. */
  readonly text?: string | RegExp;
  /** Widen Mage's left panel by this many pixels. */
  readonly widen?: number;
  /** Click the first element with this text (e.g. a page's own "Scroll to bottom" button). */
  readonly click?: RegExp;
  /** Scroll the first element with this text to the top (e.g. the first chunk's metrics line in a long log). */
  readonly scrollTo?: RegExp;
  readonly full?: boolean;
}

/** Mage renders only the log lines in view: wheel down the list until a line with `text` appears, then put it on top. */
async function scrollToText(page: Page, text: RegExp): Promise<void> {
  const target = page.getByText(text).first();
  const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.mouse.move(viewport.width * 0.6, viewport.height * 0.5);
  for (let i = 0; i < 60 && (await target.count()) === 0; i += 1) {
    await page.mouse.wheel(0, viewport.height / 2);
    await page.waitForTimeout(250);
  }
  await target.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(800);
}

async function shotOf(env: Env, file: string, caption: string, url: string, opts: ShotOptions = {}): Promise<void> {
  const page = await openMagePage(env.ui, url, opts.text);
  if (opts.widen) await widenLeftPanel(page, opts.widen);
  if (opts.scrollTo) await scrollToText(page, opts.scrollTo);
  if (opts.click) {
    await page.getByText(opts.click).first().click();
    await page.waitForTimeout(1500);
  }
  await shoot(page, join(SHOTS, file), opts.full ?? false);
  env.shots.push({ file: `screenshots/${file}`, caption });
  say(`   ${file}`);
}

/** Arms one pipeline's one-time trigger to start `aheadMs` from now with the evidence variables. */
async function armTrigger(env: Env, e: Entity, aheadMs: number): Promise<PipelineSchedule> {
  const startAt = new Date(Date.now() + aheadMs);
  const schedule = await waitForSchedule(env.mage, pipelineOf(e), `${e}_backfill_once`);
  const armed = await enableSchedule(env.mage, schedule.id, { start_time: mageUtc(startAt), variables: VARIABLES });
  say(`   ${e}_backfill_once armed for ${startAt.toISOString()} (UTC), variables ${JSON.stringify(VARIABLES)}`);
  return armed;
}

async function waitForRun(env: Env, e: Entity, schedule: PipelineSchedule, count: number): Promise<PipelineRun> {
  const run = await waitForFinishedRun(env.mage, schedule.id, count, RUN_TIMEOUT_MS);
  if (run.status !== 'completed') throw new Error(`${pipelineOf(e)} run ${run.id} ended ${run.status}: see ${DATA_DIR}/mage_project/pipelines/${pipelineOf(e)}/.logs`);
  say(`   ${pipelineOf(e)}: run ${run.id} ${run.status}`);
  return run;
}

/** The loader log of the pipeline whose first run retried most (injected faults), warnings only. */
async function retriesShot(env: Env, runs: Map<Entity, PipelineRun>): Promise<void> {
  const pool = new Pool({ connectionString: env.dbUrl, max: 1 });
  let entity: Entity = 'invoices';
  try {
    const { rows } = await pool.query(
      `SELECT r.entity, sum(c.retries)::int AS retries FROM ops.backfill_runs r JOIN ops.backfill_chunks c USING (run_id)
        GROUP BY r.entity ORDER BY 2 DESC, 1 LIMIT 1`);
    if (rows[0]?.retries > 0) entity = rows[0].entity as Entity;
  } finally {
    await pool.end();
  }
  const run = runs.get(entity) as PipelineRun;
  await shotOf(env, '06b_logs_loader_retries.png', `Retries: ${pipelineOf(entity)} loader log, warnings only — each retry after an injected 5xx or connection reset, with its back-off delay`,
    `${env.mage.baseUrl}/pipelines/${pipelineOf(entity)}/logs?pipeline_run_id[]=${run.id}&block_uuid[]=qb_${entity}_loader&level[]=WARNING`, { text: /retry \d+ in/ });
}

async function rawTableShots(env: Env): Promise<void> {
  const pool = new Pool({ connectionString: env.dbUrl, max: 1 });
  try {
    for (const [i, e] of ENTITIES.entries()) {
      const html = join(WORK, `raw_${e}.html`);
      writeFileSync(html, await rawTablePage(pool, e, DATABASE));
      const page = await env.browser.newPage({ viewport: { width: 1900, height: 1000 } });
      await page.goto(`file://${html}`);
      const file = `${String(10 + i).padStart(2, '0')}_raw_qb_${e}.png`;
      await shoot(page, join(SHOTS, file), true);
      env.shots.push({ file: `screenshots/${file}`, caption: `raw.qb_${e}: row count, sample rows with their ingestion metadata, columns with comments, constraints (queried after the runs)` });
      say(`   ${file}`);
    }
  } finally {
    await pool.end();
  }
}

async function reportShot(env: Env): Promise<void> {
  const page = await env.browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`file://${join(OUT, 'invoices', 'report.html')}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  await shoot(page, join(SHOTS, '13_report_invoices_html.png'), true);
  env.shots.push({ file: 'screenshots/13_report_invoices_html.png', caption: 'evidencias/invoices/report.html (latest run: the idempotent re-run) rendered offline: validations, per-chunk and per-day volume charts, chunk table' });
}

async function evidence(env: Env): Promise<Record<string, unknown>> {
  const base = env.mage.baseUrl;
  say('== Arming the one-time triggers through Mage\'s API, one pipeline after the other');
  const inv = await armTrigger(env, 'invoices', ARM_AHEAD_MS);
  await shotOf(env, '01_trigger_armed.png', 'Trigger invoices_backfill_once armed: @once, start time (UTC), runtime variables fecha_inicio / fecha_fin / chunk_days', `${base}/pipelines/qb_invoices_backfill/triggers/${inv.id}`, { text: 'Runtime variables', widen: 420 });
  await shotOf(env, '02_trigger_settings.png', 'The same trigger in Mage\'s trigger editor: name, description (UTC and America/Guayaquil), frequency once, start date and time', `${base}/pipelines/qb_invoices_backfill/triggers/${inv.id}/edit`, { text: 'Start date and time' });
  await shotOf(env, '03_triggers_list.png', 'Triggers of qb_invoices_backfill: the one-time trigger active before its run', `${base}/pipelines/qb_invoices_backfill/triggers`, { text: 'invoices_backfill_once' });
  say('== Waiting for the scheduler to run each pipeline');
  const first = new Map<Entity, PipelineRun>([['invoices', await waitForRun(env, 'invoices', inv, 1)]]);
  for (const e of ENTITIES.filter((x) => x !== 'invoices')) first.set(e, await waitForRun(env, e, await armTrigger(env, e, 0), 1));
  const run = first.get('invoices') as PipelineRun;
  say('== Screenshots of the finished runs');
  await shotOf(env, '04_trigger_completed_inactive.png', 'After the run: the trigger is inactive (disabled after success) and its run completed', `${base}/pipelines/qb_invoices_backfill/triggers/${inv.id}`, { text: 'Runs for this trigger', widen: 420 });
  await shotOf(env, '05_pipeline_run_completed.png', 'The finished pipeline run: loader, exporter and validator blocks completed', `${base}/pipelines/qb_invoices_backfill/runs/${run.id}`, { text: 'qb_invoices_validator' });
  await shotOf(env, '06_logs_loader_chunks.png', 'Loader block log: one line for the chunks started together, then one line per chunk done, leading with its figures (rows, pages, API calls or the pass that read it, retries, time)', `${base}/pipelines/qb_invoices_backfill/logs?pipeline_run_id[]=${run.id}&block_uuid[]=qb_invoices_loader`, { text: /chunk \d+\/\d+/, scrollTo: /chunk 1\/\d+ done: / });
  await retriesShot(env, first);
  await shotOf(env, '07_logs_exporter_chunks.png', 'Exporter block log: one line per chunk, in chunk order, leading with its figures (rows, inserted, updated, unchanged, time)', `${base}/pipelines/qb_invoices_backfill/logs?pipeline_run_id[]=${run.id}&block_uuid[]=qb_invoices_exporter`, { text: /chunk \d+\/\d+/, scrollTo: /chunk 1\/\d+ done: / });
  await shotOf(env, '08_logs_validator_summary.png', 'Validator block log: validation results and the run summary table (per chunk and totals)', `${base}/pipelines/qb_invoices_backfill/logs?pipeline_run_id[]=${run.id}&block_uuid[]=qb_invoices_validator`, { text: /\[validate\]/ });
  await shotOf(env, '08b_logs_validator_totals.png', 'Validator block log, end: the totals row of the chunk table and the validation results table', `${base}/pipelines/qb_invoices_backfill/logs?pipeline_run_id[]=${run.id}&block_uuid[]=qb_invoices_validator`, { text: /\[validate\]/, click: /^Scroll to bottom$/ });
  await shotOf(env, '09_mage_secrets_names_only.png', 'Mage Secrets used by the pipelines: names visible, values hidden', `${base}/pipelines/qb_invoices_backfill/edit?sideview=secrets`, { text: 'QBO_REFRESH_TOKEN' });
  say('== Re-running the invoices trigger (idempotency)');
  await runOnce(env.mage, await getSchedule(env.mage, inv.id)); // the trigger page's Run@once
  const second = await waitForRun(env, 'invoices', inv, 2);
  await shotOf(env, '14_rerun_exporter_idempotent.png', 'Second run of the same trigger window: the exporter inserts 0 and updates 0 rows (all unchanged)', `${base}/pipelines/qb_invoices_backfill/logs?pipeline_run_id[]=${second.id}&block_uuid[]=qb_invoices_exporter`, { text: /chunk \d+\/\d+/ });
  say('== Raw tables and the HTML report');
  await rawTableShots(env);
  await reportShot(env);
  return { trigger_id: inv.id, first_run: run.id, rerun: second.id };
}

async function main(): Promise<void> {
  say('== Mage venv and compiled blocks');
  say(`   ${await ensureMageVenv()}`);
  const build = await runCommand('npm', ['run', 'build'], process.env);
  if (build.code !== 0) throw new Error(`npm run build failed: ${build.stdout.slice(-800)}`);
  for (const e of ENTITIES) rmSync(join(OUT, e), { recursive: true, force: true });
  rmSync(SHOTS, { recursive: true, force: true });
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  await copyCommittedProject();
  say('== PostgreSQL, sandbox, Mage Secrets, mage start');
  const pg = await ensurePostgres({ url: process.env.QBO_EVIDENCE_ADMIN_URL, dataDir: join(ROOT, '.pgdata', 'evidence'), log: (m) => say(`   ${m}`) });
  const partial: Partial<Env> = { pg, shots: [] };
  const cleanUp = async () => {
    await partial.browser?.close().catch(() => undefined);
    await partial.mage?.stop().catch(() => undefined);
    await partial.sandbox?.close().catch(() => undefined);
    if (pg.started) await pg.stop().catch(() => undefined);
  };
  // Ctrl-C or a timeout still stops Mage (its own process group), the sandbox and an embedded PostgreSQL.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().then(() => process.exit(130)));
  try {
    partial.dbUrl = await freshDatabase(pg);
    // The first runs send ~10 requests (invoices: COUNT + 3 pages; customers and items: COUNT + 1 page each), retries
    // included in the numbering: the three faults land on the invoices loader's requests, so its retries show.
    partial.sandbox = await startSandbox({ port: 0, seed: 11, invoices: 3000, customers: 300, items: 80,
      script: [{ request: 2, fault: '503' }, { request: 4, fault: 'reset' }, { request: 6, fault: '500' }] });
    partial.mage = await MageServer.start({ dataDir: DATA_DIR, env: {
      QBO_MAGE_PROJECT: PROJECT_COPY, QBO_BACKFILL_HOME: ROOT, SCHEDULER_TRIGGER_INTERVAL: '2',
      QBO_SPOOL_DIR: join(WORK, 'spool'), QBO_EVIDENCE_DIR: OUT } });
    await storeSecrets(partial.mage, partial.sandbox, partial.dbUrl);
    say(`   Mage at ${partial.mage.baseUrl}, sandbox at ${partial.sandbox.baseUrl}`);
    partial.browser = await launchBrowser();
    partial.ui = await signIntoMage(partial.browser, partial.mage.baseUrl, 'admin@admin.com', 'admin');
    const env = partial as Env;
    const ids = await evidence(env);
    writeEvidenceIndex(OUT, env.shots, { ...ids, variables: VARIABLES, sandbox: { seed: 11, invoices: 3000, customers: 300, items: 80 } });
    const scan = scanForCredentials(OUT, [env.sandbox.clientId, env.sandbox.clientSecret, env.sandbox.refreshToken, decodeURIComponent(new URL(env.dbUrl).password)]);
    if (scan.leaks.length > 0) throw new Error(`Credential scan of ${OUT} failed:\n${scan.leaks.join('\n')}`);
    say(`== Done: ${env.shots.length} screenshots, ${scan.scanned} text files scanned, no credential found. See ${OUT}/README.md`);
  } finally {
    await cleanUp();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`evidence failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
