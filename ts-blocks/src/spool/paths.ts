import { join } from 'node:path';
import type { Entity } from '../core/events';

/** The name spoolPath gives a chunk's file. */
export const SPOOL_FILE_NAME = /^chunk-\d{5}\.ndjson$/;

/** `<spoolDir>/<run_id>/<entity>/chunk-00012.ndjson` */
export function spoolPath(spoolDir: string, runId: string, entity: Entity, chunkIndex: number): string {
  return join(spoolDir, runId, entity, `chunk-${String(chunkIndex).padStart(5, '0')}.ndjson`);
}
