import { BATCH_CHUNKS, BATCH_ROWS, LOADS_AT_ONCE, planBatches } from '../../src/pipeline/export-run';
import type { ChunkState } from '../../src/ledger/types';

const chunks = (indexes: readonly number[]) => indexes.map((index) => ({ index }) as ChunkState);
const sizes = (batches: ChunkState[][], rows: ReadonlyMap<number, number>) =>
  batches.map((b) => b.reduce((sum, c) => sum + (rows.get(c.index) ?? 0), 0));

describe('export batches', () => {
  it('cuts the rows into an even number of even batches of at most BATCH_ROWS, in chunk order', () => {
    expect(LOADS_AT_ONCE).toBe(2);
    const list = chunks(Array.from({ length: 100 }, (_, i) => i));
    const rows = new Map(list.map((c) => [c.index, 1_000]));
    const batches = planBatches(list, rows);
    // 100,000 rows over 2 lanes: 6 batches of about 16,700, not 5 of 20,000 with the last one alone.
    expect(batches).toHaveLength(6);
    for (const size of sizes(batches, rows)) expect(size).toBeLessThanOrEqual(BATCH_ROWS);
    expect(Math.max(...sizes(batches, rows)) - Math.min(...sizes(batches, rows))).toBeLessThanOrEqual(2 * 1_000); // within a chunk either way
    expect(batches.flat().map((c) => c.index)).toEqual(list.map((c) => c.index));
  });

  it('splits a small run in two for the two lanes, however many chunks it has (up to BATCH_CHUNKS each)', () => {
    const list = chunks(Array.from({ length: 261 }, (_, i) => i));
    const rows = new Map(list.map((c) => [c.index, c.index % 3 === 0 ? 50 : 0]));
    const batches = planBatches(list, rows);
    expect(batches).toHaveLength(2);
    expect(batches.every((b) => b.length <= BATCH_CHUNKS)).toBe(true);
  });

  it('never joins chunks that are not consecutive, and copes with chunks holding no rows', () => {
    const list = chunks([0, 1, 2, 5, 6]);
    expect(planBatches(list, new Map()).map((b) => b.map((c) => c.index))).toEqual([[0, 1, 2], [5, 6]]);
    const rows = new Map([[0, 10], [1, 10], [2, 10], [5, 10], [6, 10]]);
    expect(planBatches(list, rows).map((b) => b.map((c) => c.index))).toEqual([[0, 1, 2], [5, 6]]);
  });
});
