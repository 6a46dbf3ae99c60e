/**
 * One pipeline of the benchmark, as Mage runs it: loader → exporter → validator, each the compiled block entry
 * point in its own process, each given the previous block's output as upstream. The sandbox's counters of this
 * pipeline's entity are read between blocks so every request is charged to the block that sent it, even while
 * other pipelines run at the same time; token calls are counted from the blocks themselves (block-runner.ts).
 */
import type { Entity } from '../core/events';
import { runBlock, type BlockRun, type TokenHolder } from './block-runner';
import type { RequestCounts } from './figures';

/** The sandbox's counters of one entity's queries. */
export interface SandboxCounters {
  readonly query: number;
  readonly count: number;
  readonly throttled: number;
}

export interface PipelineSetup {
  readonly entity: Entity;
  readonly vars: Record<string, unknown>;
  readonly secrets: Record<string, string | undefined>;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly tokens: TokenHolder;
  readonly counters: () => SandboxCounters;
  readonly validate: boolean;
  readonly log: (message: string) => void;
  /** The sandbox's requests open integrated over time so far, ms (SandboxStats.openRequestMs). */
  readonly openRequestMs?: () => number;
}

export interface PipelineRun {
  readonly loader: BlockRun;
  readonly exporter: BlockRun;
  readonly validator: BlockRun | null;
  /** The validator's verdict (null when it was not run); a failed validation is reported, not thrown. */
  readonly validationOk: boolean | null;
  /** Requests sent while the loader and exporter ran. */
  readonly requests: RequestCounts;
  readonly validatorRequests: RequestCounts | null;
  /** CPU the bench process (the in-process sandbox) used while the loader and exporter ran, ms. */
  readonly sandboxCpuMs: number;
  /** The bench process's CPU time so far when the exporter ended (process.cpuUsage, user + system), µs. */
  readonly cpuAtLoadedUs: number;
  /** Spool files of the run, from the loader's manifest. */
  readonly spoolFiles: readonly string[];
  /**
   * The sandbox's requests open (every pipeline's) integrated over time (SandboxStats.openRequestMs) when the loader
   * started and when it ended, ms; undefined: not measured.
   */
  readonly loaderOpenRequestMs?: { readonly atStart: number; readonly atEnd: number };
}

export function countsBetween(before: SandboxCounters, after: SandboxCounters, blocks: readonly BlockRun[]): RequestCounts {
  return {
    data: after.query - before.query,
    count: after.count - before.count,
    token: blocks.reduce((sum, b) => sum + b.tokenRotations, 0),
    throttled: after.throttled - before.throttled,
  };
}

/** Spool paths named by a loader manifest (`chunks[].spool_path`). */
export function manifestSpoolFiles(summary: Record<string, unknown>): string[] {
  const chunks = Array.isArray(summary.chunks) ? (summary.chunks as Array<Record<string, unknown>>) : [];
  return chunks.map((c) => c.spool_path).filter((p): p is string => typeof p === 'string' && p.length > 0);
}

function seconds(run: BlockRun): string {
  return `${(run.wallMs / 1000).toFixed(2)} s`;
}

export async function runPipeline(setup: PipelineSetup): Promise<PipelineRun> {
  const base = { vars: setup.vars, secrets: setup.secrets, env: setup.env, cwd: setup.cwd };
  const start = setup.counters();
  const cpuStart = process.cpuUsage();
  const openBefore = setup.openRequestMs?.();
  const loader = await runBlock('loader', { ...base, upstream: null }, setup.tokens);
  const openAfter = setup.openRequestMs?.();
  setup.log(`${setup.entity}: loader ${seconds(loader)}`);
  const exporter = await runBlock('exporter', { ...base, upstream: loader.summary }, setup.tokens);
  const { chunks_pre_staged: preStaged, chunks_loaded: loadedChunks } = exporter.summary;
  setup.log(`${setup.entity}: exporter ${seconds(exporter)}, ${String(preStaged)} of ${String(loadedChunks)} chunks from lines the loader staged`);
  const loaded = setup.counters();
  const cpu = process.cpuUsage(cpuStart);
  const cpuNow = process.cpuUsage();
  const spoolFiles = manifestSpoolFiles(loader.summary);
  let validator: BlockRun | null = null;
  let validationOk: boolean | null = null;
  if (setup.validate) {
    try {
      validator = await runBlock('validator', { ...base, upstream: exporter.summary }, setup.tokens);
      validationOk = String(validator.summary.status ?? '').startsWith('passed');
      setup.log(`${setup.entity}: validator ${seconds(validator)}, ${String(validator.summary.status)}`);
    } catch (e) {
      validationOk = false;
      setup.log(`${setup.entity}: validation FAILED: ${(e as Error).message}`);
    }
  }
  return {
    loader,
    exporter,
    validator,
    validationOk,
    requests: countsBetween(start, loaded, [loader, exporter]),
    validatorRequests: setup.validate ? countsBetween(loaded, setup.counters(), validator ? [validator] : []) : null,
    sandboxCpuMs: (cpu.user + cpu.system) / 1000,
    cpuAtLoadedUs: cpuNow.user + cpuNow.system,
    spoolFiles,
    ...(openBefore !== undefined && openAfter !== undefined && { loaderOpenRequestMs: { atStart: openBefore, atEnd: openAfter } }),
  };
}
