/**
 * The per-entity summary of a demo run, from what Mage kept (each block's output under MAGE_DATA_DIR) and from the
 * raw tables themselves.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { renderTable, type Cell } from '../core/table';

export const ENTITIES = ['invoices', 'customers', 'items'] as const;
export type DemoEntity = (typeof ENTITIES)[number];

export const pipelineOf = (entity: DemoEntity) => `qb_${entity}_backfill`;

export interface EntityOutcome {
  readonly entity: DemoEntity;
  readonly ok: boolean;
  readonly seconds: number;
  /** Where the full Mage output of the run was written. */
  readonly logFile: string;
}

type Json = Record<string, unknown>;

/** The output Mage stored for a block of the last run (undefined when the block did not finish). */
export function blockOutput(dataDir: string, entity: DemoEntity, role: 'loader' | 'exporter' | 'validator'): Json | undefined {
  const file = join(dataDir, 'mage_project', 'pipelines', pipelineOf(entity), '.variables', `qb_${entity}_${role}`, 'output_0', 'data.json');
  if (!existsSync(file)) return undefined;
  const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  return typeof value === 'object' && value !== null ? (value as Json) : undefined;
}

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

function totals(output: Json | undefined): Json {
  const t = output?.totals;
  return typeof t === 'object' && t !== null ? (t as Json) : {};
}

/** Report files named in the validator's summary (any string value ending in .md/.json/.html). */
export function reportPaths(output: Json | undefined): string[] {
  const found: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string' && /\.(md|json|html)$/.test(value)) found.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
  };
  walk(output?.reports ?? output?.report ?? output?.files);
  return [...new Set(found)];
}

async function rowCounts(url: string): Promise<Record<DemoEntity, number>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const counts = {} as Record<DemoEntity, number>;
    for (const entity of ENTITIES) {
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM raw.qb_${entity}`);
      counts[entity] = Number(rows[0]?.n ?? 0);
    }
    return counts;
  } finally {
    await client.end();
  }
}

export async function renderSummary(dataDir: string, dbUrl: string, outcomes: readonly EntityOutcome[]): Promise<string> {
  const counts = await rowCounts(dbUrl);
  const rows: Cell[][] = outcomes.map((o) => {
    const exported = totals(blockOutput(dataDir, o.entity, 'exporter'));
    const validator = blockOutput(dataDir, o.entity, 'validator');
    return [
      o.entity,
      o.ok ? 'ok' : 'FAILED',
      counts[o.entity],
      num(exported.rows_read),
      num(exported.rows_inserted),
      num(exported.rows_updated),
      num(exported.rows_unchanged),
      num(exported.rows_skipped),
      String(validator?.status ?? validator?.verdict ?? (o.ok ? 'passed' : '-')),
      `${o.seconds.toFixed(1)} s`,
    ];
  });
  const headers = ['entity', 'run', 'raw rows', 'read', 'inserted', 'updated', 'unchanged', 'stale', 'validation', 'time'];
  return renderTable(headers, rows);
}
