/**
 * Mage block entry point: loader. Extracts one entity's range from QBO into spool files, chunk by chunk, recording
 * each chunk in the run ledger; skips what a resumed run already has. Protocol: blocks/harness.ts.
 * stdin: {"vars": {"entity", "fecha_inicio", "fecha_fin", "chunk_days"?, "page_size"?, "date_field"?, "resume"?,
 *         "force"?}, "secrets": {QBO_* , DATABASE_URL | PG_*}, "upstream": null}
 * result summary: the extraction manifest {run_id, entity, realm_id, date_field, range, spool_dir, chunks[], totals}
 */
import { getPriority, setPriority } from 'node:os';
import { loaderBody } from '../extract/loader-block';
import { main } from './harness';

main((ctx) => loaderBody(ctx, { priority: { getPriority: () => getPriority(), setPriority: (p) => setPriority(p) } }));
