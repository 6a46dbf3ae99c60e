/**
 * End-to-end helpers for the `qbo-backfill` CLI: a small sandbox company, a child-process runner for the compiled
 * CLI with a clean environment pointing at the sandbox and a test database, and table/ground-truth readers.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../src/sandbox';
import { canonicalJson } from '../helpers/canonical-json';
import { distPath, runNode, type NodeRun } from '../pipeline/run-node';

export const HISTORY = { from: '2024-01-01T00:00:00Z', to: '2024-07-01T00:00:00Z' };
export const SMALL_COMPANY: Partial<SandboxOptions> = {
  customers: 30,
  items: 15,
  invoices: 200,
  historyStart: HISTORY.from,
  historyEnd: HISTORY.to,
};

export const SANDBOX_ENTITY = { customers: 'Customer', items: 'Item', invoices: 'Invoice' } as const;
export type TestEntity = keyof typeof SANDBOX_ENTITY;

export async function smallSandbox(extra: Partial<SandboxOptions> = {}): Promise<SandboxHandle> {
  return startSandbox({ ...SMALL_COMPANY, ...extra });
}

export function workDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `qbo-cli-${label}-`));
}

/** The CLI's environment: only what it needs (no inherited DATABASE_URL or QBO_* of the developer's shell). */
export function cliEnv(sandbox: SandboxHandle, databaseUrl: string, dir: string, over: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    QBO_ENV: 'sandbox',
    QBO_API_BASE_URL: sandbox.baseUrl,
    QBO_TOKEN_URL: sandbox.tokenUrl,
    QBO_REALM_ID: sandbox.realmId,
    QBO_CLIENT_ID: sandbox.clientId,
    QBO_CLIENT_SECRET: sandbox.clientSecret,
    QBO_REFRESH_TOKEN: sandbox.refreshToken,
    QBO_MINOR_VERSION: '75',
    DATABASE_URL: databaseUrl,
    QBO_SPOOL_DIR: join(dir, 'spool'),
    QBO_TOKEN_FILE: join(dir, 'token.json'),
    QBO_EVIDENCE_DIR: join(dir, 'evidencias'),
    ...over,
  };
}

export function cli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  dir: string,
  onLine?: (line: string, kill: () => void, signal: (s: NodeJS.Signals) => void) => void,
): Promise<NodeRun> {
  return runNode(distPath('cli.js'), args, { env, cwd: dir, onLine });
}

export function runArgs(entity: string, extra: readonly string[] = []): string[] {
  return ['run', '--entity', entity, '--from', HISTORY.from, '--to', HISTORY.to, '--chunk-days', '30', ...extra];
}

/** id → canonical payload text, from the table and from the sandbox's ground truth. */
export async function tablePayloads(client: Client, entity: TestEntity): Promise<Map<string, string>> {
  const { rows } = await client.query<{ id: string; payload: unknown }>(`SELECT id, payload FROM raw.qb_${entity}`);
  return new Map(rows.map((r) => [r.id, canonicalJson(r.payload)]));
}

export function truthPayloads(sandbox: SandboxHandle, entity: TestEntity): Map<string, string> {
  return new Map([...sandbox.groundTruth(SANDBOX_ENTITY[entity])].map((r) => [String(r.Id), canonicalJson(r)]));
}

/** Every row of the table as PostgreSQL prints it (all columns, ingested_at_utc included), in id order. */
export async function tableText(client: Client, entity: TestEntity): Promise<string[]> {
  const { rows } = await client.query<{ r: string }>(`SELECT t::text AS r FROM raw.qb_${entity} t ORDER BY id`);
  return rows.map((x) => x.r);
}

/** tableText of each entity, one query after the other (a pg Client runs one query at a time). */
export async function tablesText(client: Client, entities: readonly TestEntity[]): Promise<string[][]> {
  const out: string[][] = [];
  for (const e of entities) out.push(await tableText(client, e));
  return out;
}

export function lastEvent(run: NodeRun): Record<string, unknown> | undefined {
  return run.events[run.events.length - 1];
}
