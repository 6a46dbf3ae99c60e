/**
 * The loader block's body (blocks/loader.ts runs it under the block harness):
 *   vars: {entity, fecha_inicio, fecha_fin, chunk_days?, page_size?, date_field?, resume?, force?, origin_ref?}
 *   secrets: QBO_* and DATABASE_URL | PG_* (then the environment)
 * Order matters: variables and settings are checked first, then the database, then QBO, so a bad input fails
 * before any request and an unusable refresh token fails before anything is written.
 * With the database, the realm's QBO budget is shared with every other process on the realm (a lease in
 * ops.realm_leases) and the run is locked for this process while it is extracted (ledger/run-lock.ts).
 * Returns the extraction manifest as the block summary.
 */
import type { BlockContext } from '../blocks/harness';
import { openFileTokenStore } from '../auth/file-token-store';
import { loadSettings } from '../config/settings';
import { parseEntity, parseVariables } from '../config/variables';
import type { Clock } from '../http/clock';
import type { Ledger } from '../ledger/types';
import { openDatabase } from '../pipeline/database';
import { extractRun } from './run';
import { preStager } from '../store/pre-stage';
import { createQboStack, openSharedQboStack, type QboStackOptions, type SharedQboStack } from './qbo-stack';

/** The process scheduling calls the loader block uses to lower its CPU priority (node:os in the block). */
export interface ProcessPriority {
  getPriority(): number;
  setPriority(priority: number): void;
}

/**
 * Lowers this process's CPU priority by `by` nice levels (at most to 19); returns the new nice value, or undefined
 * when unchanged (`by` 0, or the system refused: the loader then runs as it is).
 */
export function lowerCpuPriority(by: number, os: ProcessPriority): number | undefined {
  if (by <= 0) return undefined;
  try {
    const next = Math.min(19, os.getPriority() + by);
    os.setPriority(next);
    return next;
  } catch {
    return undefined;
  }
}

export interface LoaderOptions {
  /** Lowers the process's CPU priority by QBO_LOADER_NICENESS (the block's entry point; never in-process callers). */
  readonly priority?: ProcessPriority;
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly random?: () => number;
  /** Replaces the PostgreSQL ledger (tests). */
  readonly ledger?: Ledger;
}

function originRef(vars: Record<string, unknown>): string | undefined {
  const ref = vars.origin_ref;
  return typeof ref === 'string' && ref.trim() !== '' ? ref.trim().slice(0, 200) : undefined;
}

export async function loaderBody(ctx: BlockContext, options: LoaderOptions = {}): Promise<Record<string, unknown>> {
  const entity = parseEntity(ctx.input.vars.entity);
  const vars = parseVariables(ctx.input.vars, entity);
  const settings = loadSettings({ secrets: ctx.input.secrets, env: options.env ?? process.env });
  const nice = options.priority ? lowerCpuPriority(settings.limits.loaderNiceness, options.priority) : undefined;
  if (nice !== undefined) {
    ctx.emit({
      type: 'log', level: 'info', phase: 'extract', entity, code: 'LOADER_NICE',
      message: `CPU priority lowered to nice ${nice} (QBO_LOADER_NICENESS ${settings.limits.loaderNiceness}): QBO's limits set the loader's pace.`,
      tags: { nice },
    });
  }
  const store = ctx.tokenStore ?? (await openFileTokenStore(settings.tokenFile, settings.qbo.refreshToken));
  const role = `qbo-backfill loader ${entity}`;
  const db = options.ledger ? undefined : await openDatabase(settings.db, { applicationName: role });
  let stack: SharedQboStack | undefined;
  try {
    const stackOptions: QboStackOptions = { qbo: settings.qbo, limits: settings.limits, store, emit: ctx.emit, clock: options.clock, random: options.random };
    stack = db ? await openSharedQboStack({ ...stackOptions, pool: db.pool, session: db.session, role }) : { ...createQboStack(stackOptions), close: async () => undefined };
    const manifest = await extractRun(
      {
        ledger: options.ledger ?? db!.ledger,
        client: stack.client,
        auth: stack.auth,
        spoolDir: settings.spoolDir,
        concurrency: settings.limits.maxInFlight,
        breakerThreshold: settings.limits.breakerThreshold,
        origin: 'mage',
        originRef: originRef(ctx.input.vars),
        emit: ctx.emit,
        clock: options.clock,
        signal: ctx.signal,
        ...(db ? { runLocks: db.runLocks, deletions: db.deletions, stager: preStager(db.pool, ctx.emit, entity) } : {}),
      },
      vars,
    );
    return { ...manifest };
  } finally {
    await stack?.close().catch(() => undefined);
    await db?.close();
  }
}
