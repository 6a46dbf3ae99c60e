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

export interface LoaderOptions {
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
