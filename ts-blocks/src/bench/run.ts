/**
 * The whole benchmark: a sandbox company with QBO's latency and limits, a fresh database, the three pipelines run
 * through the compiled block entry points, then the two ceilings measured on the same data (API floor from the
 * sandbox's figures, database floor by COPY of the same spool files, once every pipeline is done, one entity at a
 * time on a quiet machine). The pipelines start together, as the shipped one-time triggers start them (same
 * start_time), sharing the realm's limits through their leases; `--one-at-a-time` runs them back to back instead.
 * Together, the total wall time is from the first block's start to the last validator's end, and the total API
 * floor is that of all the entities' pages sharing the realm's limits at once. `--faults` runs the same data
 * again with failures injected and compares (fault-run.ts).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Entity } from '../core/events';
import { ENTITIES } from '../core/types';
import { startSandbox, type SandboxEntity, type SandboxHandle, type SandboxStats } from '../sandbox';
import { apiFloor, jointApiFloor } from './api-floor';
import type { TokenHolder } from './block-runner';
import { adminQuery, benchServer, createBenchDatabase, REPO_ROOT, type BenchDatabase } from './database';
import { dropFloorSchema, measureDbFloor } from './db-floor';
import { runPipeline, type PipelineRun, type SandboxCounters } from './entity-run';
import { entityFigures, totalFigures, type EntityMeasure } from './figures';
import { compareFaultRuns, loadPeaks, summariseRun } from './fault-run';
import { describeMachine } from './machine';
import type { BenchOptions, FaultProfile } from './options';
import { checkTargets, type BenchResult } from './render';

const SANDBOX_ENTITY: Record<Entity, SandboxEntity> = { invoices: 'Invoice', customers: 'Customer', items: 'Item' };
/** The sandbox's default history span: the backfill covers all of it. */
const HISTORY = { start: '2021-01-01T00:00:00Z', end: '2026-01-01T00:00:00Z' };
/**
 * What the bridge removes from the worker's environment: database settings and the Mage secret names (they
 * travel in the stdin document). Other settings (QBO_MAX_IN_FLIGHT, ...) pass through, as they do under Mage.
 */
const SCRUBBED_ENV =
  /^(DATABASE_URL|PG(HOST|PORT|DATABASE|USER|PASSWORD|SERVICE)|PG_[A-Z]+|QBO_(CLIENT_ID|CLIENT_SECRET|REALM_ID|REFRESH_TOKEN|ENV|API_BASE_URL|TOKEN_URL|SPOOL_DIR|EVIDENCE_DIR|BENCH_ADMIN_URL))$/;

interface Context {
  readonly options: BenchOptions;
  readonly sandbox: SandboxHandle;
  readonly db: BenchDatabase;
  /** bench/out/<database>: spool files and reports of this run. */
  readonly outDir: string;
  readonly log: (message: string) => void;
}

function startBenchSandbox(options: BenchOptions, faults: FaultProfile | null): Promise<SandboxHandle> {
  return startSandbox({
    ...(faults ? { p429: faults.p429, p500: faults.p500, p503: faults.p503, pReset: faults.pReset } : {}),
    seed: options.seed,
    invoices: options.invoices,
    customers: options.customers,
    items: options.items,
    historyStart: HISTORY.start,
    historyEnd: HISTORY.end,
    latencyMs: options.latencyMs,
    latencyJitterMs: options.latencyJitterMs,
    latencyPerRowMs: options.latencyPerRowMs,
    rateLimitPerMin: options.ratePerMinute,
    maxInFlight: options.maxInFlight,
    // QBO's serialising runs on Intuit's machines, not the client's: the stand-in renders its records up front so
    // it does not compete with the backfill for this machine's CPU while the run is timed.
    prerender: true,
  });
}

function tokenHolder(initial: string): TokenHolder {
  let token = initial;
  return { current: () => token, save: (t) => (token = t) };
}

/** The worker's environment without database settings and secrets; spool and reports go under bench/out. */
function childEnv(outDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!SCRUBBED_ENV.test(k)) env[k] = v;
  return { ...env, QBO_SPOOL_DIR: join(outDir, 'spool'), QBO_EVIDENCE_DIR: join(outDir, 'evidencias') };
}

async function dbFloorMs(url: string, entity: Entity, files: readonly string[]): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const floor = await measureDbFloor(client, entity, files);
    await dropFloorSchema(client);
    return floor.floorMs;
  } finally {
    await client.end();
  }
}

function entityCounters(sandbox: SandboxHandle, entity: Entity): SandboxCounters {
  const c = sandbox.stats().byEntity[SANDBOX_ENTITY[entity]];
  return { query: c?.query ?? 0, count: c?.count ?? 0, throttled: c?.throttled ?? 0 };
}

interface Pipelines {
  readonly runs: Map<Entity, PipelineRun>;
  /** From the first block's start to the last validator's end (the last exporter's, without validators), ms. */
  readonly wallMs: number;
  /** CPU of the bench process (the sandbox) over that time, ms. */
  readonly sandboxCpuMs: number;
  readonly together: boolean;
}

async function runPipelines(ctx: Context): Promise<Pipelines> {
  const { sandbox, options } = ctx;
  const secrets = {
    QBO_API_BASE_URL: sandbox.baseUrl,
    QBO_TOKEN_URL: sandbox.tokenUrl,
    QBO_REALM_ID: sandbox.realmId,
    QBO_CLIENT_ID: sandbox.clientId,
    QBO_CLIENT_SECRET: sandbox.clientSecret,
    DATABASE_URL: ctx.db.url,
  };
  const tokens = tokenHolder(sandbox.refreshToken);
  const env = childEnv(ctx.outDir);
  const runs = new Map<Entity, PipelineRun>();
  const pipeline = async (entity: Entity) => {
    const vars: Record<string, unknown> = {
      entity,
      fecha_inicio: HISTORY.start,
      fecha_fin: HISTORY.end,
      page_size: options.pageSize,
      ...(options.chunkDays === undefined ? {} : { chunk_days: options.chunkDays }),
    };
    const run = await runPipeline({
      entity, vars, secrets, env, cwd: REPO_ROOT, tokens, counters: () => entityCounters(sandbox, entity), validate: options.validate,
      log: ctx.log, openRequestMs: () => sandbox.stats().openRequestMs,
    });
    runs.set(entity, run);
  };
  const cpuStart = process.cpuUsage();
  if (options.oneAtATime) for (const entity of ENTITIES) await pipeline(entity);
  else await Promise.all(ENTITIES.map(pipeline));
  const all = [...runs.values()];
  if (!options.oneAtATime) logShares(ctx.log, runs);
  const wallMs = options.oneAtATime
    ? all.reduce((sum, r) => sum + r.loader.wallMs + r.exporter.wallMs + (r.validator?.wallMs ?? 0), 0)
    : Math.max(...all.map((r) => (r.validator ?? r.exporter).endedAtMs)) - Math.min(...all.map((r) => r.loader.startedAtMs));
  const sandboxCpuMs = options.oneAtATime
    ? all.reduce((sum, r) => sum + r.sandboxCpuMs, 0)
    : (Math.max(...all.map((r) => r.cpuAtLoadedUs)) - (cpuStart.user + cpuStart.system)) / 1000;
  return { runs: new Map(ENTITIES.map((e) => [e, runs.get(e)!])), wallMs, sandboxCpuMs, together: !options.oneAtATime };
}

/**
 * How the loaders shared the realm's in-flight budget: each one's caps as they changed (REALM_SHARE), in seconds
 * since the first loader started, as `in flight/leases`, when its lease ended (the loader's exit), and how many
 * requests (all pipelines') the sandbox had open on average while it ran (10 = QBO's limit used to the full).
 */
function logShares(log: (message: string) => void, runs: Map<Entity, PipelineRun>): void {
  const origin = Math.min(...[...runs.values()].map((r) => r.loader.startedAtMs));
  const at = (ms: number) => `${((ms - origin) / 1000).toFixed(2)}s`;
  for (const [entity, run] of runs) {
    const changes = run.loader.shares.map((c) => `${at(c.atMs)} ${c.maxInFlight}/${c.leases}`).join(', ');
    const o = run.loaderOpenRequestMs;
    const open = o === undefined ? '' : `, ${((o.atEnd - o.atStart) / run.loader.wallMs).toFixed(2)} requests open at QBO on average`;
    log(`${entity}: realm share (in flight/leases) ${changes || 'none reported'}; loader ${at(run.loader.startedAtMs)}-${at(run.loader.endedAtMs)}${open}`);
  }
  // While two loaders or more ran: from the last loader's start to the second-to-last loader's end.
  const loaders = [...runs.values()].filter((r) => r.loaderOpenRequestMs !== undefined);
  if (loaders.length < 2) return;
  const last = loaders.reduce((a, b) => (b.loader.startedAtMs > a.loader.startedAtMs ? b : a));
  const ends = [...loaders].sort((a, b) => a.loader.endedAtMs - b.loader.endedAtMs);
  const secondLast = ends[ends.length - 2]!;
  const ms = secondLast.loader.endedAtMs - last.loader.startedAtMs;
  const mean = (secondLast.loaderOpenRequestMs!.atEnd - last.loaderOpenRequestMs!.atStart) / ms;
  log(`loaders sharing the realm (${at(last.loader.startedAtMs)}-${at(secondLast.loader.endedAtMs)}): ${mean.toFixed(2)} requests open at QBO on average`);
}

function sourceRows(sandbox: SandboxHandle, entity: Entity): number {
  let n = 0;
  for (const _ of sandbox.groundTruth(SANDBOX_ENTITY[entity])) n += 1;
  return n;
}

async function loadedRows(url: string, entity: Entity): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM raw.qb_${entity}`)).rows[0]!.n;
  } finally {
    await client.end();
  }
}

function floorModel(options: BenchOptions) {
  return {
    limits: { maxInFlight: options.maxInFlight, ratePerMinute: options.ratePerMinute, pageSize: options.pageSize },
    latency: { baseMs: options.latencyMs, perRowMs: options.latencyPerRowMs, meanJitterMs: options.latencyJitterMs / 2 },
  };
}

/** The validator block's own account of its time (its summary's timings_ms), when it ran and passed. */
function validatorTimings(run: PipelineRun): Record<string, number> | null {
  const t = run.validator?.summary.timings_ms;
  if (!t || typeof t !== 'object') return null;
  return Object.fromEntries(Object.entries(t as Record<string, unknown>).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
}

async function measure(ctx: Context, runs: Map<Entity, PipelineRun>): Promise<EntityMeasure[]> {
  const { limits, latency } = floorModel(ctx.options);
  const measures: EntityMeasure[] = [];
  for (const [entity, run] of runs) {
    const api = apiFloor(sourceRows(ctx.sandbox, entity), limits, latency);
    const dbFloor = await dbFloorMs(ctx.db.url, entity, run.spoolFiles);
    ctx.log(`${entity}: database floor ${(dbFloor / 1000).toFixed(2)} s (COPY of ${run.spoolFiles.length} spool files)`);
    measures.push({
      entity, sourceRows: api.rows, loadedRows: await loadedRows(ctx.db.url, entity), requests: run.requests,
      validatorRequests: run.validatorRequests, loaderMs: run.loader.wallMs, exporterMs: run.exporter.wallMs,
      validatorMs: run.validator?.wallMs ?? (run.validationOk === false ? 0 : null),
      validationOk: run.validationOk,
      validatorTimings: validatorTimings(run),
      peakRss: {
        loaderKb: run.loader.peakRssKb ?? null,
        exporterKb: run.exporter.peakRssKb ?? null,
        validatorKb: run.validator?.peakRssKb ?? null,
      },
      cpu: { loaderMs: run.loader.cpuMs ?? null, exporterMs: run.exporter.cpuMs ?? null, sandboxMs: run.sandboxCpuMs },
      minRequests: api.minRequests, apiFloorMs: api.floorMs, dbFloorMs: dbFloor,
    });
  }
  return measures;
}

function chunkDaysUsed(runs: Map<Entity, PipelineRun>): number | null {
  const range = runs.get('invoices')?.loader.summary.range as { chunk_days?: unknown } | undefined;
  return typeof range?.chunk_days === 'number' ? range.chunk_days : null;
}

function resultOf(ctx: Context, pipelines: Pipelines, measures: EntityMeasure[], stats: SandboxStats): BenchResult {
  const { options, db } = ctx;
  const { limits, latency } = floorModel(options);
  const total = totalFigures(
    measures,
    pipelines.together
      ? {
          wallMs: pipelines.wallMs,
          apiFloorMs: jointApiFloor(measures.map((m) => m.sourceRows), limits, latency).floorMs,
          sandboxMs: pipelines.sandboxCpuMs,
        }
      : undefined,
  );
  const entities = Object.fromEntries(measures.map((m) => [m.entity, entityFigures(m)])) as BenchResult['entities'];
  return {
    machine: describeMachine(db.serverVersion, REPO_ROOT), options, together: pipelines.together, chunkDays: chunkDaysUsed(pipelines.runs),
    entities, total, targets: checkTargets(total), load: loadPeaks(stats),
  };
}

interface OneRun {
  readonly result: BenchResult;
  readonly stats: SandboxStats;
}

/** One run of the three pipelines on a fresh sandbox (with `faults` injected, if any) and a fresh database. */
async function runOnce(options: BenchOptions, faults: FaultProfile | null, serverUrl: string, log: (message: string) => void): Promise<OneRun> {
  let db: BenchDatabase | undefined;
  let sandbox: SandboxHandle | undefined;
  const outRoot = join(REPO_ROOT, 'bench', 'out');
  try {
    db = await createBenchDatabase(serverUrl);
    const outDir = join(outRoot, db.name);
    mkdirSync(outDir, { recursive: true });
    log(`database ${db.name}; starting the sandbox (${options.invoices} invoices, ${options.customers} customers, ${options.items} items)`);
    sandbox = await startBenchSandbox(options, faults);
    // The run starts from a clean server, as each database floor does: what earlier work (a previous run, the
    // database just created) left dirty is flushed now, not by a checkpoint in the middle of the timed run.
    await adminQuery(db.url, 'CHECKPOINT').catch(() => undefined);
    const ctx: Context = { options, sandbox, db, outDir, log };
    const pipelines = await runPipelines(ctx);
    const measures = await measure(ctx, pipelines.runs);
    const stats = sandbox.stats();
    return { result: resultOf(ctx, pipelines, measures, stats), stats };
  } finally {
    await sandbox?.close().catch(() => undefined);
    if (db && !options.keepDb) {
      rmSync(join(outRoot, db.name), { recursive: true, force: true });
      await db.drop().catch(() => undefined);
    }
  }
}

/** The benchmark; with `--faults`, the same data clean and then faulty, compared (the clean run's figures lead). */
export async function runBench(options: BenchOptions, log: (message: string) => void): Promise<BenchResult> {
  const server = await benchServer(process.env, log);
  try {
    const clean = await runOnce(options, null, server.url, log);
    if (!options.faults) return clean.result;
    log('the same data again, with faults injected');
    const faulty = await runOnce(options, options.faults, server.url, log);
    const summary = (r: OneRun) => summariseRun(r.result.total, Object.values(r.result.entities), r.stats);
    return { ...clean.result, faults: compareFaultRuns(options, options.faults, summary(clean), summary(faulty)) };
  } finally {
    if (server.started) await server.stop();
  }
}
