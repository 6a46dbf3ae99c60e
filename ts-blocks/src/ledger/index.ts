export * from './types';
export { PgLedger, type LoadCounts } from './pg-ledger';
export { runKey } from './open-run';
export { isRunId, type RunDetail, type RunFilter, type RunSummary, type ChunkDetail } from './queries';
export { heldRunLocks, runBusyError, type RunLock, type RunLocks } from './run-lock';
export { PgRunLocks } from './pg-run-locks';
export { PgRealmLeases } from './realm-leases';
export { processHolder } from './holder';
