/**
 * QBO's exact text of the records stored by the unstorable rule (store/unstorable.ts), kept as bytes in
 * ops.unstorable_payloads, keyed by entity, Id and run, on the caller's transaction. Re-loading the same records
 * in the same run writes nothing new.
 */
import type { PoolClient } from 'pg';
import type { ChunkTarget } from './staging-row';
import type { RepairedRecord } from './unstorable';

export async function keepOriginals(client: PoolClient, target: ChunkTarget, records: readonly RepairedRecord[]): Promise<void> {
  await client.query(
    `INSERT INTO ops.unstorable_payloads (entity, id, run_id, original, fields)
     SELECT $1, r.id, $2, convert_to(r.original, 'UTF8'), ARRAY(SELECT jsonb_array_elements_text(r.fields))
       FROM jsonb_to_recordset($3::jsonb) AS r(id text, original text, fields jsonb)
     ON CONFLICT (entity, id, run_id) DO UPDATE SET original = EXCLUDED.original, fields = EXCLUDED.fields`,
    [target.entity, target.runId, JSON.stringify(records.map((r) => ({ id: r.id, original: r.original, fields: r.fields })))],
  );
}
