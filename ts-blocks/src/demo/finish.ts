/**
 * The demo's last words: how to look at the rows it loaded, and — with `--keep` — an embedded PostgreSQL left
 * running until Ctrl-C so that there is something to look at.
 */
import type { DemoDatabase } from './database';

/** Rows per raw table: the first query to try on the demo's database. */
export const ROW_COUNTS_SQL =
  "SELECT 'invoices' AS entity, count(*) FROM raw.qb_invoices UNION ALL SELECT 'customers', count(*) FROM raw.qb_customers " +
  "UNION ALL SELECT 'items', count(*) FROM raw.qb_items";

export function lookAtRows(db: DemoDatabase, keep: boolean): string[] {
  const lines = [
    '',
    '== Look at the loaded rows',
    `   ${db.psql} -c "${ROW_COUNTS_SQL}"`,
    `   (or ${db.psql} for a prompt: SELECT id, ingested_at_utc, payload FROM raw.qb_invoices LIMIT 5; columns in docs/schema.md)`,
  ];
  if (db.started && !keep) lines.push('   The embedded PostgreSQL stops with the demo (its data stays in .pgdata/demo): `npm run demo -- --keep` keeps it running.');
  return lines;
}

/** Resolves once the signal is aborted (at once if it already is). */
function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Stops an embedded PostgreSQL the demo started; with `keep`, only once the operator interrupts. */
export async function releaseDatabase(db: DemoDatabase, keep: boolean, say: (line: string) => void, signal?: AbortSignal): Promise<void> {
  if (!db.started) return;
  if (keep && signal) {
    say('== The embedded PostgreSQL keeps running (--keep): press Ctrl-C to stop it.');
    await untilAborted(signal);
  }
  say('== Stopping the embedded PostgreSQL');
  await db.stop();
}
