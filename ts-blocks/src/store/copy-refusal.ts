/**
 * When PostgreSQL refuses a value while COPYing staged rows (a payload jsonb cannot hold even after the unstorable
 * rule, a number out of numeric's range, ...), its error says `COPY <table>, line N, column <name>: …`. That line is
 * turned back into the record it came from, so the error names the record (its Id and chunk) and the field.
 */
import { DataError } from '../core/errors';
import type { ChunkTarget } from './staging-row';

/** What each column of the staging table holds, as an operator would call it. */
const FIELDS: Readonly<Record<string, string>> = {
  payload: 'its JSON (payload)',
  request_payload: 'the request recorded with it (request_payload)',
  source_last_updated_utc: 'MetaData.LastUpdatedTime',
  source_sync_token: 'SyncToken',
};

export interface StagedRecord {
  readonly id: string;
  readonly target: ChunkTarget;
}

/** A DataError naming the record and field PostgreSQL refused, or undefined when the error is not such a refusal. */
export function copyRefusal(e: unknown, staged: readonly StagedRecord[]): DataError | undefined {
  const where = (e as { where?: unknown } | null)?.where;
  const m = typeof where === 'string' ? /COPY \w+, line (\d+), column (\w+)/.exec(where) : null;
  const record = m ? staged[Number(m[1]) - 1] : undefined;
  if (!m || !record) return undefined;
  const { target } = record;
  const field = FIELDS[m[2]!] ?? m[2]!;
  const reason = e instanceof Error ? e.message : String(e);
  return new DataError(
    `Record Id ${record.id} in chunk ${target.chunkIndex} of ${target.entity} (run ${target.runId}) could not be stored: PostgreSQL ` +
      `refused ${field} (${reason}). Check that record in QBO; the chunk was not loaded.`,
    {
      code: 'RECORD_NOT_STORABLE',
      context: { entity: target.entity, run_id: target.runId, chunk_index: target.chunkIndex, id: record.id, field: m[2], sqlstate: (e as { code?: unknown }).code },
      cause: e,
    },
  );
}
