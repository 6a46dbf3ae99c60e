/** Assembles the manifest from the run and what happened to each chunk. */
import type { BackfillError } from '../core/errors';
import type { RunVariables } from '../config/variables';
import type { ChunkState, RunState } from '../ledger/types';
import type { SpoolFooter } from '../spool/types';
import type { ChunkOutcome } from './context';
import type { ExtractManifest, ManifestChunk, ManifestChunkStatus, ManifestTotals } from './manifest';

export interface ChunkRecord {
  readonly chunk: ChunkState;
  readonly status: Exclude<ManifestChunkStatus, 'not_run'>;
  readonly outcome?: ChunkOutcome;
  readonly footer?: SpoolFooter;
  readonly error?: BackfillError;
}

function manifestChunk(chunk: ChunkState, record: ChunkRecord | undefined): ManifestChunk {
  const base = {
    chunk_index: chunk.index,
    window_start_utc: chunk.windowStart.toISOString(),
    window_end_utc: chunk.windowEnd.toISOString(),
  };
  if (record?.outcome) {
    const { spool, sourceCount } = record.outcome;
    return { ...base, status: 'extracted', spool_path: spool.path, rows: spool.rows, pages: spool.pages, source_count: sourceCount };
  }
  return {
    ...base,
    status: record?.status ?? 'not_run',
    spool_path: chunk.spoolPath,
    rows: record?.footer?.rows ?? null,
    pages: record?.footer?.pages ?? null,
    source_count: record?.footer?.source_count ?? chunk.sourceCount,
  };
}

function totals(chunks: readonly ManifestChunk[], records: ReadonlyMap<number, ChunkRecord>, durationMs: number): ManifestTotals {
  const outcomes = [...records.values()].flatMap((r) => (r.outcome ? [r.outcome] : []));
  const sum = (f: (o: ChunkOutcome) => number) => outcomes.reduce((acc, o) => acc + f(o), 0);
  return {
    chunks: chunks.length,
    extracted: chunks.filter((c) => c.status === 'extracted').length,
    skipped: chunks.filter((c) => c.status === 'already_extracted' || c.status === 'already_loaded').length,
    failed: chunks.filter((c) => c.status === 'failed').length,
    rows: sum((o) => o.spool.rows),
    // Pages requested: a pass's once (its windows' pages_read count a page spanning two windows for both).
    pages: sum((o) => (o.pass === undefined ? o.metrics.pages_read : o.chunk.index === o.pass.first ? o.pass.pages : 0)),
    api_calls: sum((o) => o.metrics.api_calls),
    retries: sum((o) => o.metrics.retries),
    throttled: sum((o) => o.metrics.throttled),
    duration_ms: durationMs,
  };
}

export function buildManifest(input: {
  run: RunState;
  vars: RunVariables;
  spoolDir: string;
  records: ReadonlyMap<number, ChunkRecord>;
  durationMs: number;
}): ExtractManifest {
  const { run, vars } = input;
  const chunks = run.chunks.map((c) => manifestChunk(c, input.records.get(c.index)));
  return {
    run_id: run.runId,
    resumed: run.resumed,
    entity: vars.entity,
    realm_id: run.params.realmId,
    date_field: vars.dateField,
    range: { start_utc: vars.from.toISOString(), end_utc: vars.to.toISOString(), chunk_days: vars.chunkDays, page_size: vars.pageSize },
    spool_dir: input.spoolDir,
    chunks,
    totals: totals(chunks, input.records, input.durationMs),
  };
}
