/**
 * Every Id a run returned over its whole range, for the by-id deletion lookup (extract/deletions.ts): the Ids this
 * process read (collected as pages are spooled) plus those in the spool files of chunks read earlier (a resumed
 * run). Undefined when a chunk's Ids cannot be known (its spool file is gone): then no lookup is made.
 */
import { existsSync } from 'node:fs';
import { readSpool } from '../spool/reader';
import type { ChunkDecision } from './decide';

export async function seenIds(readNow: Set<string>, decisions: readonly ChunkDecision[]): Promise<Set<string> | undefined> {
  for (const d of decisions) {
    if (!d.skip) continue;
    const path = d.chunk.spoolPath;
    if (!path || !existsSync(path)) return undefined;
    for await (const row of readSpool(path)) readNow.add(row.record.Id);
  }
  return readNow;
}
