/**
 * PostgreSQL advisory lock keys. The two-key form pg_*advisory*(namespace, hashtext(name)) keeps each kind of lock
 * in its own key space (apart from each other and from the one-key locks of db/init.ts and open-run.ts).
 */
export const REALM_LEASE_LOCK = 0x71b0_0002;
export const RUN_WORK_LOCK = 0x71b0_0003;
export const LEASE_ALIVE_LOCK = 0x71b0_0004;

/**
 * A condition true when some session of this database holds the advisory lock (namespace, hashtext(name)), e.g.
 * advisoryLockHeld('$1', 'r.lease_id::text'). `extra` narrows it (e.g. "AND l.pid <> pg_backend_pid()").
 */
export function advisoryLockHeld(namespaceParam: string, nameExpr: string, extra = ''): string {
  return `EXISTS (SELECT 1 FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.classid = ${namespaceParam}::int4::oid AND l.objid = hashtext(${nameExpr})::oid ${extra})`;
}
