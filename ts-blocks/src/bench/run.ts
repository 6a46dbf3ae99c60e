/**
 * The whole benchmark: a sandbox company with QBO's latency and limits, a fresh database, the three pipelines
 * run one after the other through the compiled block entry points, then the two ceilings measured on the same
 * data (API floor from the sandbox's figures, database floor by COPY of the same spool files).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Entity } from '../core/events';
import { ENTITIES } from '../core/types';
import { startSandbox, type SandboxEntity, type SandboxHandle } from '../sandbox';
import { apiFloor } from './api-floor';
import type { TokenHolder } from './block-runner';
import { benchServer, createBenchDatabase, REPO_ROOT, type BenchDatabase } from './database';
import { dropFloorSchema, measureDbFloor } from './db-floor';
import { runPipeline, type PipelineRun } from './entity-run';
import { entityFigures, totalFigures, type EntityMeasure } from './figures';
import { describeMachine } from './machine';
import type { BenchOptions } from './options';
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

function startBenchSandbox(options: BenchOptions): Promise<SandboxHandle> {
  return startSandbox({
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

function dbFloorMeter(url: string, entity: Entity): (files: readonly string[]) => Promise<number> {
  return async (files) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const floor = await measureDbFloor(client, entity, files);
      await dropFloorSchema(client);
      return floor.floorMs;
    } finally {
      await client.end();
    }
  };
}

async function runPipelines(ctx: Context): Promise<Map<Entity, PipelineRun>> {
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
  for (const entity of ENTITIES) {
    const vars: Record<string, unknown> = {
      entity,
      fecha_inicio: HISTORY.start,
      fecha_fin: HISTORY.end,
      page_size: options.pageSize,
      ...(options.chunkDays === undefined ? {} : { chunk_days: options.chunkDays }),
    };
    const run = await runPipeline({
      entity, vars, secrets, env, cwd: REPO_ROOT, tokens, counters: () => sandbox.stats(), validate: options.validate,
      dbFloor: dbFloorMeter(ctx.db.url, entity), log: ctx.log,
    });
    runs.set(entity, run);
  }
  return runs;
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

async function measure(ctx: Context, runs: Map<Entity, PipelineRun>): Promise<EntityMeasure[]> {
  const { options } = ctx;
  const limits = { maxInFlight: options.maxInFlight, ratePerMinute: options.ratePerMinute, pageSize: options.pageSize };
  const latency = { baseMs: options.latencyMs, perRowMs: options.latencyPerRowMs, meanJitterMs: options.latencyJitterMs / 2 };
  const measures: EntityMeasure[] = [];
  for (const [entity, run] of runs) {
    const api = apiFloor(sourceRows(ctx.sandbox, entity), limits, latency);
    measures.push({
      entity, sourceRows: api.rows, loadedRows: await loadedRows(ctx.db.url, entity), requests: run.requests,
      validatorRequests: run.validatorRequests, loaderMs: run.loader.wallMs, exporterMs: run.exporter.wallMs,
      validatorMs: run.validator?.wallMs ?? (run.validationOk === false ? 0 : null),
      validationOk: run.validationOk,
      peakRss: {
        loaderKb: run.loader.peakRssKb ?? null,
        exporterKb: run.exporter.peakRssKb ?? null,
        validatorKb: run.validator?.peakRssKb ?? null,
      },
      cpu: { loaderMs: run.loader.cpuMs ?? null, exporterMs: run.exporter.cpuMs ?? null, sandboxMs: run.sandboxCpuMs },
      minRequests: api.minRequests, apiFloorMs: api.floorMs, dbFloorMs: run.dbFloorMs,
    });
  }
  return measures;
}

function chunkDaysUsed(runs: Map<Entity, PipelineRun>): number | null {
  const range = runs.get('invoices')?.loader.summary.range as { chunk_days?: unknown } | undefined;
  return typeof range?.chunk_days === 'number' ? range.chunk_days : null;
}

export async function runBench(options: BenchOptions, log: (message: string) => void): Promise<BenchResult> {
  const server = await benchServer(process.env, log);
  let db: BenchDatabase | undefined;
  let sandbox: SandboxHandle | undefined;
  const outRoot = join(REPO_ROOT, 'bench', 'out');
  try {
    db = await createBenchDatabase(server.url);
    const outDir = join(outRoot, db.name);
    mkdirSync(outDir, { recursive: true });
    log(`database ${db.name}; starting the sandbox (${options.invoices} invoices, ${options.customers} customers, ${options.items} items)`);
    sandbox = await startBenchSandbox(options);
    const ctx: Context = { options, sandbox, db, outDir, log };
    const runs = await runPipelines(ctx);
    const measures = await measure(ctx, runs);
    const total = totalFigures(measures);
    const entities = Object.fromEntries(measures.map((m) => [m.entity, entityFigures(m)])) as BenchResult['entities'];
    return {
      machine: describeMachine(db.serverVersion, REPO_ROOT), options, chunkDays: chunkDaysUsed(runs), entities, total, targets: checkTargets(total),
    };
  } finally {
    await sandbox?.close().catch(() => undefined);
    if (db && !options.keepDb) {
      rmSync(join(outRoot, db.name), { recursive: true, force: true });
      await db.drop().catch(() => undefined);
    }
    if (server.started) await server.stop();
  }
}
