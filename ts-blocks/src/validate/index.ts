/** Validation of a backfill run: integrity, counts against QBO, volumetry, time coherence, idempotency. */
export * from './types';
export * from './options';
export * from './deps';
export { validateRun, type ValidationSummary } from './validate-run';
export { latestResults, saveResults, type StoredResult } from './results-store';
export { dailyVolume, type DayCount } from './daily-volume';
export { loadRunInfo, latestRunIds, rawTable, toRunInfo } from './run-info';
export { savepointClient } from './savepoint-client';
export { median, mad, modifiedZ } from './robust';
export { findEmptyDays, findOutliers, activeSpan, type EmptyDay, type OutlierDay } from './volume-findings';
export { reloadFromSpool, chunkTargetOf, DEFAULT_VALIDATOR_DEPS } from './reload';
