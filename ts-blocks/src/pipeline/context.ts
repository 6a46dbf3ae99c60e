/**
 * Everything an in-process backfill (the CLI) shares across entities: settings, one database pool and ledger,
 * one refresh-token store, one QBO stack (one realm limiter, one token manager: a single token refresh serves
 * every entity of the run). The limiter shares the realm's QBO budget with other processes on the same realm
 * through a lease in ops.realm_leases; `db.close()` also ends that lease.
 */
import { openFileTokenStore } from '../auth/file-token-store';
import type { Settings } from '../config/settings';
import type { EventSink } from '../core/events';
import type { RefreshTokenStore } from '../core/token-store';
import { openSharedQboStack, type QboStack } from '../extract/qbo-stack';
import type { Clock } from '../http/clock';
import { openDatabase, type Database } from './database';

export interface BackfillContext {
  readonly settings: Settings;
  readonly db: Database;
  readonly stack: QboStack;
  readonly emit: EventSink;
  readonly origin: 'cli' | 'mage';
  readonly originRef?: string;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** Monotonic milliseconds for durations. */
  readonly now?: () => number;
  /** The environment the run was configured from (the validator step reads the database and QBO_EVIDENCE_DIR there). */
  readonly env: NodeJS.ProcessEnv;
}

export interface OpenContextOptions {
  readonly emit: EventSink;
  readonly origin: 'cli' | 'mage';
  readonly originRef?: string;
  readonly signal?: AbortSignal;
  /** Default: the CLI's 0600 token file (settings.tokenFile), seeded with QBO_REFRESH_TOKEN. */
  readonly tokenStore?: RefreshTokenStore;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly env?: NodeJS.ProcessEnv;
}

/** Connects the database (checked: reachable and initialised) and wires the QBO side. No request is sent yet. */
export async function openBackfillContext(settings: Settings, options: OpenContextOptions): Promise<BackfillContext> {
  const db = await openDatabase(settings.db, { applicationName: `qbo-backfill ${options.origin}` });
  try {
    const store = options.tokenStore ?? (await openFileTokenStore(settings.tokenFile, settings.qbo.refreshToken));
    const stack = await openSharedQboStack({
      qbo: settings.qbo,
      limits: settings.limits,
      store,
      emit: options.emit,
      clock: options.clock,
      random: options.random,
      pool: db.pool,
      session: db.session,
      role: `qbo-backfill ${options.origin}`,
    });
    const close = async () => {
      await stack.close().catch(() => undefined);
      await db.close();
    };
    return {
      settings,
      db: { ...db, close },
      stack,
      emit: options.emit,
      origin: options.origin,
      ...(options.originRef === undefined ? {} : { originRef: options.originRef }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      env: options.env ?? process.env,
    };
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
}
