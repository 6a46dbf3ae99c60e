/**
 * Run locks: while a process extracts or loads a run, no other process may work the same run (a Mage block retried
 * while the first attempt's orphaned child is still alive, two CLI invocations with the same parameters). The lock
 * is PostgreSQL's (ledger/pg-run-locks.ts): it lives on a connection held by the process, so it is released when the
 * process ends, however it ends. A second process does not wait: it fails at once, naming the holder.
 */
import { ConfigError } from '../core/errors';

export interface RunLock {
  readonly runId: string;
  release(): Promise<void>;
}

export interface RunLocks {
  /** Takes the run's lock, or throws ConfigError RUN_BUSY naming the process that holds it. Re-entrant per process. */
  acquire(runId: string): Promise<RunLock>;
  /** Throws ConfigError RUN_BUSY when another process holds the run's lock; takes nothing. */
  assertFree(runId: string): Promise<void>;
}

export function runBusyError(runId: string, holder: string | undefined): ConfigError {
  return new ConfigError(
    `Run ${runId} is being processed by another process (${holder ?? 'holder unknown'}). Wait for it to finish (or stop ` +
      'it), then re-run with the same parameters to resume; force=true (CLI: --force) starts a separate new run instead.',
    { code: 'RUN_BUSY', context: { run_id: runId, ...(holder ? { holder } : {}) } },
  );
}

/**
 * Keeps every lock taken through it until `releaseAll`, whatever the callers' own releases say: one process's
 * extraction and load of a run stay covered without a gap between them (the locks are re-entrant).
 */
export function heldRunLocks(locks: RunLocks): RunLocks & { releaseAll(): Promise<void> } {
  const held: RunLock[] = [];
  return {
    async acquire(runId) {
      held.push(await locks.acquire(runId));
      return { runId, release: async () => undefined };
    },
    assertFree: (runId) => locks.assertFree(runId),
    async releaseAll() {
      for (const lock of held.splice(0).reverse()) await lock.release();
    },
  };
}
