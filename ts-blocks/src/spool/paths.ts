import { join } from 'node:path';
import type { Entity } from '../core/events';

/** `<spoolDir>/<run_id>/<entity>/chunk-00012.ndjson` */
export function spoolPath(spoolDir: string, runId: string, entity: Entity, chunkIndex: number): string {
  return join(spoolDir, runId, entity, `chunk-${String(chunkIndex).padStart(5, '0')}.ndjson`);
}
