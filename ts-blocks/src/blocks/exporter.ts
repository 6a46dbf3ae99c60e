/**
 * Mage block entry point: exporter. Loads the run's extracted chunks from their spool files into
 * raw.qb_<entity>, one transaction per chunk, skipping chunks already loaded. Protocol: blocks/harness.ts.
 * stdin: {"vars": {"entity": ...}, "secrets": {DATABASE_URL | PG_*}, "upstream": <loader output {run_id, entity}>}
 * result summary: {run_id, entity, realm_id, status, chunks_loaded, chunks_skipped, totals, chunks[]}
 */
import { exporterBody } from '../pipeline/exporter-block';
import { main } from './harness';

main((ctx) => exporterBody(ctx));
