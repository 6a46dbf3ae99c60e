/** An in-memory Ledger following the contract in ledger/types.ts (for extraction tests without a database). */
import { randomUUID } from 'node:crypto';
import type { BackfillError } from '../../src/core/errors';
import type { ChunkPlan, ChunkState, ExtractedChunk, ExtractResult, Ledger, RunGuard, RunParams, RunState, RunStatus } from '../../src/ledger/types';

interface Run {
  runId: string;
  status: RunStatus;
  params: RunParams;
  chunks: ChunkState[];
  opens: number;
  error?: BackfillError;
}

export class MemoryLedger implements Ledger {
  readonly runs: Run[] = [];
  readonly calls: string[] = [];

  async openRun(params: RunParams, plan: readonly ChunkPlan[], guard?: RunGuard): Promise<RunState> {
    const key = (p: RunParams) => [p.entity, p.realmId, p.dateField, p.rangeStart.getTime(), p.rangeEnd.getTime(), p.chunkDays].join('|');
    const previous = [...this.runs].reverse().find((r) => key(r.params) === key(params));
    const unfinished = previous !== undefined && !['succeeded', 'superseded'].includes(previous.status);
    if (previous && unfinished && params.resume && !params.force) {
      await guard?.claim(previous.runId);
      previous.opens += 1;
      previous.status = 'running';
      previous.chunks = previous.chunks.map((c) => (c.status === 'extracting' ? { ...c, status: 'pending' } : c));
      return this.state(previous);
    }
    if (previous && unfinished && !params.force) await guard?.checkIdle(previous.runId);
    const runId = randomUUID();
    await guard?.claim(runId);
    if (previous && previous.status !== 'succeeded') previous.status = 'superseded';
    const run: Run = {
      runId,
      status: 'running',
      params,
      opens: 1,
      chunks: plan.map((p) => ({ ...p, status: 'pending', spoolPath: null, sourceCount: null, attempts: 0 })),
    };
    this.runs.push(run);
    return this.state(run);
  }

  async discardRun(runId: string): Promise<boolean> {
    this.calls.push(`discardRun ${runId}`);
    const i = this.runs.findIndex((r) => r.runId === runId);
    const run = this.runs[i];
    if (!run || run.opens > 1 || run.chunks.some((c) => c.status === 'extracted' || c.status === 'loaded')) return false;
    this.runs.splice(i, 1);
    return true;
  }

  private state(run: Run): RunState {
    return { runId: run.runId, resumed: run.opens > 1, status: run.status, params: run.params, chunks: [...run.chunks] };
  }

  private run(runId: string): Run {
    const run = this.runs.find((r) => r.runId === runId);
    if (!run) throw new Error(`no run ${runId}`);
    return run;
  }

  private patch(runId: string, index: number, patch: Partial<ChunkState>): void {
    const run = this.run(runId);
    run.chunks = run.chunks.map((c) => (c.index === index ? { ...c, ...patch } : c));
  }

  async getRun(runId: string): Promise<RunState> {
    return this.state(this.run(runId));
  }

  async chunkExtracting(runId: string, index: number): Promise<void> {
    this.calls.push(`extracting ${index}`);
    const chunk = this.run(runId).chunks[index]!;
    this.patch(runId, index, { status: 'extracting', attempts: chunk.attempts + 1 });
  }

  async chunkExtracted(runId: string, index: number, result: ExtractResult): Promise<void> {
    this.calls.push(`extracted ${index}`);
    this.patch(runId, index, { status: 'extracted', spoolPath: result.spoolPath, sourceCount: result.sourceCount });
  }

  async chunksExtracting(runId: string, indexes: readonly number[]): Promise<void> {
    for (const index of indexes) await this.chunkExtracting(runId, index);
  }

  async chunksExtracted(runId: string, results: readonly ExtractedChunk[]): Promise<void> {
    for (const { index, result } of results) await this.chunkExtracted(runId, index, result);
  }

  async chunkFailed(runId: string, index: number, error: BackfillError): Promise<void> {
    this.calls.push(`failed ${index} ${error.code}`);
    this.patch(runId, index, { status: 'failed' });
  }

  async chunkInterrupted(runId: string, index: number): Promise<void> {
    this.calls.push(`interrupted ${index}`);
    const chunk = this.run(runId).chunks[index]!;
    if (chunk.status === 'extracting') this.patch(runId, index, { status: 'pending' });
  }

  async setRunStatus(runId: string, status: RunStatus, extra: { error?: BackfillError } = {}): Promise<void> {
    this.calls.push(`run ${status}`);
    const run = this.run(runId);
    run.status = status;
    run.error = extra.error;
  }

  /** What the exporter would do: mark a chunk loaded. */
  markLoaded(runId: string, index: number): void {
    this.patch(runId, index, { status: 'loaded' });
  }
}
