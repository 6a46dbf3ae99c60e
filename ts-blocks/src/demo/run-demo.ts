/**
 * `npm run demo`: the three real Mage pipelines against the local QBO sandbox and a PostgreSQL the demo finds or
 * starts itself. Steps: Mage venv (created once, cached) → PostgreSQL + db/init → sandbox → its values into Mage
 * Secrets (a demo-only MAGE_DATA_DIR, so real credentials in .run/mage_data are never touched) → `mage run` of
 * each pipeline → summary, where the reports and logs are, how to look at the rows → clean-up (sandbox; the
 * embedded PostgreSQL at once, or with --keep once the operator presses Ctrl-C).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { startSandbox, type SandboxHandle } from '../sandbox';
import { prepareDemoDatabase, type DemoDatabase } from './database';
import { lookAtRows, releaseDatabase } from './finish';
import { ensureMageVenv, lastLines, loadSandboxSecrets, PROJECT_ROOT, runPipeline } from './mage-cli';
import { blockOutput, ENTITIES, pipelineOf, renderSummary, reportPaths, type DemoEntity, type EntityOutcome } from './summary';

export interface DemoOptions {
  readonly invoices?: number;
  readonly customers?: number;
  readonly items?: number;
  readonly seed?: number;
  /** The backfill window; defaults to the sandbox company's whole history. */
  readonly from?: string;
  readonly to?: string;
  readonly chunkDays?: number;
  /** Keep an embedded PostgreSQL running after the summary, until Ctrl-C, to look at the rows. */
  readonly keep?: boolean;
}

export type Say = (line: string) => void;

export const DEMO_DIR = resolve(PROJECT_ROOT, '.run', 'demo');
export const DEMO_MAGE_DATA_DIR = resolve(DEMO_DIR, 'mage_data');
/** The demo's reports: the committed evidence in evidencias/ is left alone (QBO_EVIDENCE_DIR overrides). */
export const DEMO_EVIDENCE_DIR = resolve(process.env.QBO_EVIDENCE_DIR ?? resolve(DEMO_DIR, 'evidencias'));
const SANDBOX_HISTORY = { from: '2021-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' };

/** Bridge lines worth showing live; everything else goes to the log file. */
function shown(line: string): boolean {
  if (/^(WARNING|ERROR) /.test(line)) return true;
  return /^INFO (Starting |Refresh token rotated|\[validate\]|One-time trigger)/.test(line);
}

async function runEntity(entity: DemoEntity, vars: Readonly<Record<string, string>>, say: Say): Promise<EntityOutcome> {
  const logFile = resolve(DEMO_DIR, 'logs', `${pipelineOf(entity)}.log`);
  const started = Date.now();
  say(`\n== ${pipelineOf(entity)} (mage run)`);
  const result = await runPipeline(pipelineOf(entity), vars, {
    dataDir: DEMO_MAGE_DATA_DIR,
    env: { QBO_EVIDENCE_DIR: DEMO_EVIDENCE_DIR },
    onLine: (line) => {
      if (shown(line)) say(`   ${line.length > 220 ? `${line.slice(0, 217)}...` : line}`);
    },
  });
  writeFileSync(logFile, `${result.stdout}\n--- stderr ---\n${result.stderr}`);
  const ok = result.code === 0;
  if (!ok) say(`   FAILED (exit ${result.code}): ${lastLines(result.stderr, 3)}`);
  return { entity, ok, seconds: (Date.now() - started) / 1000, logFile };
}

/** Where each entity's reports and Mage output are. */
function whereToLook(outcomes: readonly EntityOutcome[]): string[] {
  const lines = ['\n== Where to look'];
  for (const o of outcomes) {
    const reports = reportPaths(blockOutput(DEMO_MAGE_DATA_DIR, o.entity, 'validator'));
    const shownReports = reports.length > 0 ? reports.map((r) => relative(PROJECT_ROOT, resolve(PROJECT_ROOT, r))).join(', ') : relative(PROJECT_ROOT, resolve(DEMO_EVIDENCE_DIR, o.entity));
    lines.push(`   ${o.entity}: reports ${shownReports}; Mage output ${relative(PROJECT_ROOT, o.logFile)}`);
  }
  lines.push(`   Block outputs: ${relative(PROJECT_ROOT, DEMO_MAGE_DATA_DIR)}/mage_project/pipelines/<pipeline>/.variables/`);
  return lines;
}

export async function runDemo(options: DemoOptions, say: Say, signal?: AbortSignal): Promise<boolean> {
  mkdirSync(resolve(DEMO_DIR, 'logs'), { recursive: true });
  say('== Mage venv (pinned mage-ai; the first time installs it, a few minutes, with pip\'s progress below)');
  say(`   ${await ensureMageVenv()}`);

  say('== PostgreSQL');
  let db: DemoDatabase | undefined;
  let sandbox: SandboxHandle | undefined;
  try {
    db = await prepareDemoDatabase((m) => say(`   ${m}`));
    say('== Local QBO sandbox');
    sandbox = await startSandbox({
      port: 0,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.invoices === undefined ? {} : { invoices: options.invoices }),
      ...(options.customers === undefined ? {} : { customers: options.customers }),
      ...(options.items === undefined ? {} : { items: options.items }),
    });
    say(`   ${sandbox.baseUrl} (realm ${sandbox.realmId})`);
    await loadSandboxSecrets(sandbox, db.url, { dataDir: DEMO_MAGE_DATA_DIR });
    say(`   Sandbox values loaded into Mage Secrets (MAGE_DATA_DIR=${relative(PROJECT_ROOT, DEMO_MAGE_DATA_DIR)}).`);

    // 30-day chunks (the pipelines' default is 7): five years in 61 windows keeps the demo quick and well under
    // QBO's 500 requests per minute across the three pipelines run back to back.
    const vars = { fecha_inicio: options.from ?? SANDBOX_HISTORY.from, fecha_fin: options.to ?? SANDBOX_HISTORY.to, chunk_days: String(options.chunkDays ?? 30) };
    const outcomes: EntityOutcome[] = [];
    for (const entity of ENTITIES) {
      if (signal?.aborted) break;
      outcomes.push(await runEntity(entity, vars, say));
    }
    if (signal?.aborted) {
      say('\nInterrupted: stopping.');
      return false;
    }

    say(`\n== Summary (${vars.fecha_inicio} to ${vars.fecha_fin}, sandbox stats: ${sandbox.stats().requests} requests, ${sandbox.stats().throttled} throttled)`);
    say(await renderSummary(DEMO_MAGE_DATA_DIR, db.url, outcomes));
    for (const line of [...whereToLook(outcomes), ...lookAtRows(db, options.keep === true)]) say(line);
    return outcomes.every((o) => o.ok);
  } finally {
    await sandbox?.close();
    if (db) await releaseDatabase(db, options.keep === true && !signal?.aborted, say, signal);
  }
}
