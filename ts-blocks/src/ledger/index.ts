export * from './types';
export { PgLedger, type LoadCounts } from './pg-ledger';
export { runKey } from './open-run';
export { isRunId, type RunDetail, type RunFilter, type RunSummary, type ChunkDetail } from './queries';
