/**
 * The local QBO sandbox: a faithful emulator of the parts of QuickBooks Online the backfill uses (OAuth token
 * endpoint, query, read, write, batch and CDC endpoints, Faults, limits) over a seeded, generated company, plus
 * fault injection and a settable clock.
 *
 *   const qbo = await startSandbox({ invoices: 2000 });
 *   // qbo.baseUrl (API root), qbo.tokenUrl, qbo.realmId, qbo.clientId, qbo.clientSecret, qbo.refreshToken
 *   await qbo.close();
 */
import type { AddressInfo } from 'node:net';
import { groundTruth as readGroundTruth } from './admin';
import type { ClockChange, ClockState } from './clock';
import type { MutationResult, SandboxMutation } from './mutations';
import { resolveOptions, type SandboxEntity, type SandboxFaults, type SandboxOptions } from './options';
import { TOKEN_PATH } from './oauth-routes';
import { createSandboxServer } from './server';
import { SandboxState } from './state';
import type { SandboxStats } from './stats';

export type { SandboxOptions, SandboxFaults, SandboxEntity, ScriptedFault, ScriptedFaultKind } from './options';
export type { SandboxStats, EndpointKind } from './stats';
export type { SandboxMutation, MutationResult, MutationOp } from './mutations';
export type { ClockChange, ClockState } from './clock';
export { MAX_BATCH_ITEMS, BATCH_REQUESTS_PER_MIN } from './batch';

export interface SandboxHandle {
  /** API root, like https://quickbooks.api.intuit.com; queries at `${baseUrl}/v3/company/${realmId}/query`. */
  readonly baseUrl: string;
  /** `${baseUrl}/oauth2/v1/tokens/bearer`. */
  readonly tokenUrl: string;
  /** `${baseUrl}/.well-known/openid_configuration`. */
  readonly discoveryUrl: string;
  readonly realmId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The first refresh token (no access token is issued until a client refreshes). */
  readonly refreshToken: string;
  readonly port: number;
  stats(): SandboxStats;
  /** Changes fault settings at run time; returns the settings now in force. */
  setFaults(faults: Partial<SandboxFaults>): SandboxFaults;
  /** Applies one change now (sandbox clock). */
  mutate(m: SandboxMutation): MutationResult;
  /** The sandbox clock (what POST /__sandbox/clock reads). */
  clock(): ClockState;
  /** Sets, advances, freezes or releases the sandbox clock (same rules as POST /__sandbox/clock). */
  setClock(change: ClockChange): ClockState;
  /** Every record that exists now (inactive included, latest version), in Id order, as QBO payloads. */
  groundTruth(entity: SandboxEntity): Iterable<Record<string, unknown>>;
  /** How many records of the entity exist now (inactive included), without building payloads. */
  recordCount(entity: SandboxEntity): number;
  close(): Promise<void>;
}

export async function startSandbox(options: Partial<SandboxOptions> = {}): Promise<SandboxHandle> {
  const resolved = resolveOptions(options);
  const state = new SandboxState(resolved);
  let baseUrl = '';
  const server = createSandboxServer(state, () => baseUrl);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${resolved.host}:${port}`;
  return {
    baseUrl,
    tokenUrl: `${baseUrl}${TOKEN_PATH}`,
    discoveryUrl: `${baseUrl}/.well-known/openid_configuration`,
    realmId: state.realmId,
    clientId: state.tokens.clientId,
    clientSecret: state.tokens.clientSecret,
    refreshToken: state.tokens.initialRefreshToken,
    port,
    stats: () => state.statsSnapshot(),
    setFaults: (f) => state.setFaults(f as Record<string, unknown>),
    mutate: (m) => state.mutate(m),
    clock: () => state.clock.state(state.company.zone),
    setClock: (change) => {
      state.tick();
      state.clock.change(change as Record<string, unknown>);
      return state.clock.state(state.company.zone);
    },
    groundTruth: (entity) => {
      state.tick();
      return readGroundTruth(state, entity);
    },
    recordCount: (entity) => {
      state.tick();
      const t = state.company.table(entity);
      let n = 0;
      for (let i = 0; i < t.size; i++) if (t.exists(i)) n++;
      return n;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
