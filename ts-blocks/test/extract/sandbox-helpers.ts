/** Wiring the extract side to the local sandbox for integration tests. */
import type { BackfillEvent } from '../../src/core/events';
import { memoryTokenStore, type RefreshTokenStore } from '../../src/core/token-store';
import { DEFAULT_LIMITS, type Limits } from '../../src/config/limits';
import type { QboSettings } from '../../src/config/settings';
import { createQboStack, type QboStack } from '../../src/extract/qbo-stack';
import type { ExtractManifest } from '../../src/extract/manifest';
import type { Clock } from '../../src/http/clock';
import { createRealmLimiter, type RealmLimiter } from '../../src/http/limiter';
import type { SandboxHandle } from '../../src/sandbox';
import { readSpool, type QboRecord } from '../../src/spool';
import { isAtLeastAsNew, versionOf } from '../../src/spool/versions';
import { instantClock } from '../http/test-clock';

/** Test limits: production margins, no real waiting (retry waits go through the fast-forward clock anyway). */
export const TEST_LIMITS: Limits = { ...DEFAULT_LIMITS, retryBaseMs: 10, retryMaxMs: 100, throttleWaitMs: 100, maxRetries: 8 };

export function qboSettings(sandbox: SandboxHandle, refreshToken = sandbox.refreshToken): QboSettings {
  return {
    environment: 'sandbox',
    apiBaseUrl: sandbox.baseUrl,
    tokenUrl: sandbox.tokenUrl,
    realmId: sandbox.realmId,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    refreshToken,
    minorVersion: 75,
  };
}

export interface TestStack extends QboStack {
  readonly events: BackfillEvent[];
  readonly store: RefreshTokenStore;
  readonly clock: Clock;
}

export function sandboxStack(
  sandbox: SandboxHandle,
  options: { limits?: Partial<Limits>; store?: RefreshTokenStore; clock?: Clock; refreshToken?: string; limiter?: RealmLimiter } = {},
): TestStack {
  const events: BackfillEvent[] = [];
  const clock = options.clock ?? instantClock();
  const store = options.store ?? memoryTokenStore(options.refreshToken ?? sandbox.refreshToken);
  const stack = createQboStack({
    qbo: qboSettings(sandbox, options.refreshToken),
    limits: { ...TEST_LIMITS, ...options.limits },
    store,
    emit: (e) => events.push(e),
    clock,
    random: () => 0.5,
    limiter: options.limiter,
  });
  return { ...stack, events, store, clock };
}

export interface Spooled {
  /** Newest version per Id across all chunk files. */
  readonly byId: Map<string, QboRecord>;
  /** Ids found more than once within a single chunk file (must never happen). */
  readonly duplicatesWithinChunk: string[];
  readonly rows: number;
}

export async function readManifestSpools(manifest: ExtractManifest): Promise<Spooled> {
  const byId = new Map<string, QboRecord>();
  const duplicatesWithinChunk: string[] = [];
  let rows = 0;
  for (const chunk of manifest.chunks) {
    if (!chunk.spool_path) continue;
    const seen = new Set<string>();
    for await (const row of readSpool(chunk.spool_path)) {
      rows += 1;
      const r = row.record;
      if (seen.has(r.Id)) duplicatesWithinChunk.push(r.Id);
      seen.add(r.Id);
      const previous = byId.get(r.Id);
      if (!previous || isAtLeastAsNew(versionOf(r), versionOf(previous))) byId.set(r.Id, r);
    }
  }
  return { byId, duplicatesWithinChunk, rows };
}

export function groundTruthById(sandbox: SandboxHandle, entity: 'Invoice' | 'Customer' | 'Item'): Map<string, Record<string, unknown>> {
  return new Map([...sandbox.groundTruth(entity)].map((r) => [String(r.Id), r]));
}

/**
 * One realm, one clock: the sandbox counts its rate-limit minute and token expiry on the same fast-forward clock
 * the client waits on, and every stack of a test file shares one limiter, as one process talking to one company
 * must (a new limiter per stack would not know what the previous one sent this minute).
 */
export function sharedRealm(limits: Partial<Limits> = {}): { clock: Clock & { sleeps: number[] }; limiter: RealmLimiter } {
  const clock = instantClock();
  return { clock, limiter: createRealmLimiter({ ...TEST_LIMITS, ...limits }, clock) };
}
