/**
 * A raw table holds one QBO company. QBO Ids are only unique within a company, so rows of a second company would
 * overwrite the first's: the loader refuses, loudly, before writing anything. The check is O(log n)
 * (min/max over the realm index) and runs under the table's load lock.
 */
import type { PoolClient } from 'pg';
import { DataError } from '../core/errors';

/** Serialises loads into one raw table for the rest of the transaction. */
export async function lockTableForLoad(client: PoolClient, table: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`load:${table}`]);
}

export async function assertSingleRealm(client: PoolClient, table: string, realmId: string): Promise<void> {
  const { rows } = await client.query<{ lo: string | null; hi: string | null }>(
    `SELECT min(realm_id) AS lo, max(realm_id) AS hi FROM ${table}`,
  );
  const { lo, hi } = rows[0] ?? { lo: null, hi: null };
  if (lo === null) return;
  const other = lo !== realmId ? lo : hi !== realmId ? hi : undefined;
  if (other === undefined) return;
  throw new DataError(
    `${table} already holds rows of QBO company (realm) ${other}; this run loads realm ${realmId}. Nothing was ` +
      'written. One database holds one company: point this run at another database, or empty the table if the ' +
      'other company\'s rows are no longer wanted.',
    { code: 'REALM_MISMATCH', context: { table, realm_id: realmId, other_realm_id: other } },
  );
}
