/** What every chunk extraction of one run shares, and the chunk event it emits. */
import type { ChunkEvent, EventSink } from '../core/events';
import type { DateField } from '../core/types';
import type { DateFieldMapping, EntityDefinition } from '../entities/types';
import type { Clock } from '../http/clock';
import type { QboClient } from '../http/qbo-client';
import type { ChunkPlan, ExtractResult, Ledger } from '../ledger/types';
import type { CompletedSpool } from '../spool/writer';
import type { PreStager } from '../store/pre-stage';

export interface ChunkContext {
  readonly runId: string;
  readonly chunkCount: number;
  readonly entity: EntityDefinition;
  readonly dateField: DateField;
  readonly mapping: DateFieldMapping;
  readonly realmId: string;
  readonly pageSize: number;
  readonly spoolDir: string;
  readonly client: QboClient;
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly emit: EventSink;
  readonly signal?: AbortSignal;
  /** The Ids this run has read, when deletions are detected (extract/deletions.ts). */
  readonly seen?: Set<string>;
  /** Copies the spool lines into PostgreSQL as they are written, for the exporter (store/pre-stage.ts). */
  readonly stager?: PreStager;
}

export interface ChunkOutcome {
  readonly chunk: ChunkPlan;
  readonly spool: CompletedSpool;
  readonly sourceCount: number;
  readonly metrics: ExtractResult['metrics'];
  /** Set when the chunk was read together with its neighbours. */
  readonly pass?: ExtractResult['pass'];
}

export function chunkEvent(ctx: ChunkContext, chunk: ChunkPlan, status: ChunkEvent['status']): ChunkEvent {
  return {
    type: 'chunk',
    phase: 'extract',
    entity: ctx.entity.name,
    run_id: ctx.runId,
    chunk_index: chunk.index,
    chunk_count: ctx.chunkCount,
    window_start_utc: chunk.windowStart.toISOString(),
    window_end_utc: chunk.windowEnd.toISOString(),
    status,
  };
}
