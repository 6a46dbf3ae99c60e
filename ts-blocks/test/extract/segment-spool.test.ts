/** A segment spanning more windows than it may keep files open for: every window's file is complete and right. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dateFieldMapping, entityDefinition } from '../../src/entities';
import type { ChunkContext } from '../../src/extract/context';
import { OPEN_FILES, SegmentSpool } from '../../src/extract/segment-spool';
import { systemClock } from '../../src/http/clock';
import type { ChunkPlan } from '../../src/ledger/types';
import { readSpool } from '../../src/spool';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qbo-segment-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
const openDescriptors = () => readdirSync('/proc/self/fd').length;

describe('segment spool', () => {
  it(`writes ${OPEN_FILES * 2 + 7} windows with at most ${OPEN_FILES} files open, each file holding its own records`, async () => {
    const entity = entityDefinition('invoices');
    const ctx = {
      runId: '00000000-0000-4000-8000-0000000000aa', chunkCount: OPEN_FILES * 2 + 7, entity, dateField: 'last_updated',
      mapping: dateFieldMapping(entity, 'last_updated'), realmId: 'realm-1', pageSize: 1000, spoolDir: dir,
      clock: systemClock, emit: () => undefined,
    } as unknown as ChunkContext;
    const chunks: ChunkPlan[] = Array.from({ length: ctx.chunkCount }, (_, index) => ({
      index, windowStart: new Date(START + index * DAY), windowEnd: new Date(START + (index + 1) * DAY),
    }));
    const before = openDescriptors();
    const spool = await SegmentSpool.open(ctx, chunks);
    expect(openDescriptors() - before).toBeLessThanOrEqual(1);
    const record = (i: number, hour: number) => ({
      Id: `${i}-${hour}`, SyncToken: '0', MetaData: { LastUpdatedTime: new Date(START + i * DAY + hour * 3_600_000).toISOString() },
    });
    // Pages out of order, each touching two windows far apart, twice over: files are closed and reopened.
    let maxOpen = 0;
    for (const hour of [1, 2]) {
      for (let i = chunks.length - 1; i >= 0; i -= 1) {
        const far = (i + OPEN_FILES + 3) % chunks.length;
        await spool.write({ pageNumber: 1, pageSize: 1000, request: { method: 'POST', path: '/q', params: { minorversion: 75 }, query: 'Q' }, records: [record(i, hour), record(far, hour + 10)] });
        maxOpen = Math.max(maxOpen, openDescriptors() - before);
      }
    }
    expect(maxOpen).toBeLessThanOrEqual(OPEN_FILES);
    const done = await spool.complete(chunks.map(() => ({ pages: 4, sourceCount: 4 })));
    expect(openDescriptors() - before).toBeLessThanOrEqual(1);
    for (const [i, file] of done.entries()) {
      const ids: string[] = [];
      for await (const row of readSpool(file.path)) ids.push(row.record.Id);
      expect(ids.sort()).toEqual([`${i}-1`, `${i}-11`, `${i}-12`, `${i}-2`].sort());
    }
  });
});
