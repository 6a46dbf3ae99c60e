/**
 * Run locks as PostgreSQL session-level advisory locks on the process's dedicated connection (pg-session.ts): the
 * lock is released when the process's connection ends, however the process ends. A refused process names the
 * holder from the holder connection's application_name (role, pid and host).
 */
import { RUN_WORK_LOCK } from './lock-keys';
import type { PgSession } from './pg-session';
import { runBusyError, type RunLock, type RunLocks } from './run-lock';

const HOLDER_SQL = `
  SELECT a.application_name, a.client_addr::text AS client_addr, l.pid
    FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.classid = $1::int4::oid AND l.objid = hashtext($2)::oid AND l.pid <> pg_backend_pid()
   LIMIT 1`;

interface HolderRow {
  application_name: string | null;
  client_addr: string | null;
  pid: number;
}

function describeHolder(row: HolderRow | undefined): string | undefined {
  if (!row) return undefined;
  const name = row.application_name?.trim();
  if (name) return name;
  return `PostgreSQL backend ${row.pid}${row.client_addr ? ` from ${row.client_addr}` : ''}`;
}

export class PgRunLocks implements RunLocks {
  constructor(private readonly session: PgSession) {}

  async acquire(runId: string): Promise<RunLock> {
    const { rows, generation } = await this.session.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok',
      [RUN_WORK_LOCK, runId],
      `locking run ${runId}`,
    );
    if (rows[0]?.ok !== true) throw runBusyError(runId, await this.holderOf(runId));
    let released = false;
    return {
      runId,
      release: async () => {
        if (released) return;
        released = true;
        await this.unlock(runId, generation).catch(() => undefined);
      },
    };
  }

  async assertFree(runId: string): Promise<void> {
    const holder = await this.holderOf(runId);
    if (holder !== undefined) throw runBusyError(runId, holder);
  }

  private async holderOf(runId: string): Promise<string | undefined> {
    const { rows } = await this.session.query<HolderRow>(HOLDER_SQL, [RUN_WORK_LOCK, runId], `looking up who holds run ${runId}`);
    return describeHolder(rows[0]);
  }

  /** Unlocks on the connection that took the lock; a replaced connection took its locks with it. */
  private async unlock(runId: string, generation: number): Promise<void> {
    if ((await this.session.openGeneration()) !== generation) return;
    await this.session.query('SELECT pg_advisory_unlock($1, hashtext($2))', [RUN_WORK_LOCK, runId], `unlocking run ${runId}`);
  }
}
