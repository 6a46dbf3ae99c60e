/**
 * Runs one compiled block entry point (ts-blocks/dist/blocks/<name>.js) the way the Mage bridge does: a child
 * `node` process, one JSON input document on stdin, NDJSON events read from stdout, rotated refresh tokens stored
 * and acknowledged before the block may send another request. While it runs, its peak resident memory is sampled.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BackfillEvent, ResultEvent } from '../core/events';
import { FatalError } from '../core/errors';
import { sampleProcess } from './proc-sampler';

export type BlockName = 'loader' | 'exporter' | 'validator';

export interface BlockRunInput {
  readonly vars: Record<string, unknown>;
  readonly secrets: Record<string, string | undefined>;
  readonly upstream: unknown;
  /** The child's environment (the bridge passes the worker's, without database settings and secrets). */
  readonly env: NodeJS.ProcessEnv;
  /** The child's working directory (the bridge uses the project root). */
  readonly cwd: string;
}

export interface BlockRun {
  readonly block: BlockName;
  readonly summary: Record<string, unknown>;
  readonly events: readonly BackfillEvent[];
  readonly wallMs: number;
  /** VmHWM of the block process, KiB (undefined where /proc is not available). */
  readonly peakRssKb: number | undefined;
  /** CPU time (user + system) of the block process, ms. */
  readonly cpuMs: number | undefined;
  /**
   * Refresh tokens the block handed over: its token calls, since the bench's sandbox rotates the refresh token on
   * every refresh (how a block's token calls are told apart when pipelines run at once).
   */
  readonly tokenRotations: number;
  /** When the process was started and when it ended (process.hrtime, ms). */
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  /** The process's share of the realm's QBO limits as it changed (its REALM_SHARE events, when received). */
  readonly shares: readonly ShareChange[];
}

export interface ShareChange {
  /** When the event was read (process.hrtime, ms). */
  readonly atMs: number;
  readonly maxInFlight: number;
  readonly leases: number;
}

/** Where a rotated refresh token goes; the bench keeps the newest for the next block, like Mage Secrets. */
export interface TokenHolder {
  current(): string;
  save(token: string): void;
}

export const BLOCKS_DIR = join(__dirname, '..', 'blocks');

/** Events worth keeping for the figures (chunk-level progress is dropped to keep memory flat). */
function keep(event: BackfillEvent): boolean {
  return event.type !== 'chunk' && event.type !== 'token_rotated';
}

export function runBlock(block: BlockName, input: BlockRunInput, tokens: TokenHolder): Promise<BlockRun> {
  const started = process.hrtime.bigint();
  let tokenRotations = 0;
  const child = spawn(process.execPath, [join(BLOCKS_DIR, `${block}.js`)], {
    cwd: input.cwd,
    env: input.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const sampler = sampleProcess(child.pid ?? -1);
  const events: BackfillEvent[] = [];
  const shares: ShareChange[] = [];
  let result: ResultEvent | undefined;
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const secrets = { ...input.secrets, QBO_REFRESH_TOKEN: tokens.current() };
  child.stdin.on('error', () => undefined);
  child.stdin.write(`${JSON.stringify({ vars: input.vars, secrets, upstream: input.upstream, protocol: { ack_tokens: true } })}\n`);
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    let event: BackfillEvent;
    try {
      event = JSON.parse(line) as BackfillEvent;
    } catch {
      return;
    }
    if (event.type === 'token_rotated') {
      tokenRotations += 1;
      tokens.save(event.refresh_token);
      child.stdin.write(`${JSON.stringify({ type: 'ack', for: 'token_rotated' })}\n`);
    } else if (event.type === 'result' || event.type === 'error') {
      sampler.sample();
      if (event.type === 'result') result = event;
    }
    if (event.type === 'log' && event.code === 'REALM_SHARE' && event.tags) {
      shares.push({ atMs: Number(process.hrtime.bigint()) / 1e6, maxInFlight: Number(event.tags.max_in_flight), leases: Number(event.tags.leases) });
    }
    if (keep(event)) events.push(event);
  });
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new FatalError(`Could not start the ${block} block: ${e.message}`, { code: 'BENCH_BLOCK_SPAWN', cause: e })));
    child.on('close', (code) => {
      const ended = process.hrtime.bigint();
      const wallMs = Number(ended - started) / 1e6;
      const { peakRssKb, cpuMs } = sampler.stop();
      child.stdin.end();
      if (code === 0 && result) {
        resolve({
          block, summary: result.summary, events, wallMs, peakRssKb, cpuMs, tokenRotations, shares,
          startedAtMs: Number(started) / 1e6, endedAtMs: Number(ended) / 1e6,
        });
        return;
      }
      const error = events.find((e) => e.type === 'error');
      const why = error?.type === 'error' ? `${error.error.code}: ${error.error.message}` : stderr.trim() || 'no result event';
      reject(new FatalError(`The ${block} block failed (exit ${code}): ${why}`, { code: 'BENCH_BLOCK_FAILED' }));
    });
  });
}
