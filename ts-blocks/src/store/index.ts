export { payloadSha256Sql } from './payload-hash';
export { loadChunk, type ChunkLoadOutcome, type LoadChunkOptions } from './load-chunk';
export { loadRows } from './load-rows';
export { toStagingRow, type ChunkTarget, type StagingRow } from './staging-row';
export { RAW_TABLES, rawTable } from './tables';
