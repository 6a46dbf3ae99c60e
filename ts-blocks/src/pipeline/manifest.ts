/**
 * The loader's block output as the exporter and validator receive it (Mage passes it as `upstream`). Only the
 * run id and entity are trusted from it: chunk states and spool paths are read from the ledger, which is the
 * source of truth (a manifest may be stale after a retry).
 */
import { ConfigError } from '../core/errors';
import type { Entity } from '../core/events';
import { ENTITIES } from '../core/types';
import { isRunId } from '../ledger/queries';

export interface UpstreamRun {
  readonly runId: string;
  readonly entity: Entity;
}

function bad(what: string): ConfigError {
  return new ConfigError(
    `The block's upstream input ${what}: expected the loader's output {"run_id": "<uuid>", "entity": "<entity>", ...}. ` +
      'Check that the block runs downstream of the loader.',
    { code: 'BLOCK_BAD_UPSTREAM' },
  );
}

/** Reads {run_id, entity} from the upstream output (an object, or a list whose first item is one). */
export function upstreamRun(upstream: unknown): UpstreamRun {
  const doc = Array.isArray(upstream) ? upstream[0] : upstream;
  if (typeof doc !== 'object' || doc === null) throw bad('is missing');
  const { run_id: runId, entity } = doc as Record<string, unknown>;
  if (typeof runId !== 'string' || !isRunId(runId)) throw bad('has no valid run_id');
  const known = ENTITIES.find((e) => e === entity);
  if (!known) throw bad(`has no valid entity (got ${JSON.stringify(entity ?? null)})`);
  return { runId, entity: known };
}
