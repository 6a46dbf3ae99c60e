/** OAuth against the local sandbox: rotation persisted before use, 401 refreshed once, invalid_grant explained. */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileTokenStore } from '../../src/auth/file-token-store';
import { isAuthError, type BackfillError } from '../../src/core/errors';
import { clearRegisteredSecrets, sanitize } from '../../src/core/sanitize';
import { parseVariables } from '../../src/config/variables';
import { extractRun } from '../../src/extract/run';
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { MemoryLedger } from '../extract/memory-ledger';
import { groundTruthById, readManifestSpools, sandboxStack, sharedRealm, type TestStack } from '../extract/sandbox-helpers';

const realm = sharedRealm();
let sandbox: SandboxHandle;
let dir: string;
/** Without grace, only the newest refresh token works: each test starts from where the previous one left it. */
let latest: () => string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 3, customers: 60, items: 20, invoices: 300, now: realm.clock.now, refreshGraceSec: 0 });
  latest = () => sandbox.refreshToken;
});
afterAll(() => sandbox.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qbo-auth-'));
  sandbox.setFaults({ accessTokenTtlSec: 3600, rotateRefreshToken: 'every', script: [] });
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  clearRegisteredSecrets();
});

async function run(stack: TestStack, entity: 'invoices' | 'customers' = 'invoices') {
  const vars = parseVariables({ fecha_inicio: '2020-01-01', fecha_fin: '2031-01-01', chunk_days: 365, page_size: 20 }, entity);
  const ledger = new MemoryLedger();
  const manifest = await extractRun(
    { ledger, client: stack.client, auth: stack.auth, spoolDir: join(dir, 'spool'), concurrency: 4, breakerThreshold: 3, origin: 'cli', clock: stack.clock, emit: (e) => stack.events.push(e) },
    vars,
  );
  return { manifest, ledger };
}

/** Tries a refresh token on the sandbox; on success the rotated one it returns becomes the latest. */
async function tokenWorks(refreshToken: string): Promise<boolean> {
  const res = await fetch(sandbox.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`${sandbox.clientId}:${sandbox.clientSecret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
  });
  if (res.status !== 200) return false;
  const rotated = ((await res.json()) as { refresh_token: string }).refresh_token;
  latest = () => rotated;
  return true;
}

describe('OAuth against the sandbox', () => {
  it('keeps working with access tokens expiring every few seconds and persists every rotated refresh token', async () => {
    const bootstrap = sandboxStack(sandbox, { ...realm, refreshToken: latest() });
    const first = await bootstrap.auth.accessToken(); // rotates the sandbox's initial token once
    expect(first).toBeTruthy();
    const configured = bootstrap.store.current();
    const path = join(dir, 'token.json');
    const store = await openFileTokenStore(path, configured);
    sandbox.setFaults({ accessTokenTtlSec: 2 });
    const saves: string[] = [];
    const save = store.save.bind(store);
    store.save = async (t) => {
      saves.push(t);
      await save(t);
    };
    const stack = sandboxStack(sandbox, { ...realm, store });
    latest = () => store.current();
    // Every query takes half a second of sandbox time: a 2-second access token expires every few queries.
    const postQuery = stack.client.postQuery.bind(stack.client);
    stack.client.postQuery = async (statement, options) => {
      await realm.clock.sleep(500);
      return postQuery(statement, options);
    };
    const refreshesBefore = sandbox.stats().tokenRefreshes;
    const { manifest } = await run(stack);
    expect(stack.auth.refreshCount()).toBeGreaterThan(5);
    expect(sandbox.stats().tokenRefreshes - refreshesBefore).toBe(stack.auth.refreshCount());
    expect(saves).toHaveLength(stack.auth.refreshCount());
    const saved = JSON.parse(readFileSync(path, 'utf8')).refresh_token as string;
    expect(saved).toBe(store.current());
    expect(saved).not.toBe(configured);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await tokenWorks(configured)).toBe(false); // superseded, no grace: only the persisted one works
    const spooled = await readManifestSpools(manifest);
    expect(spooled.byId.size).toBe(groundTruthById(sandbox, 'Invoice').size);
    expect(sanitize(JSON.stringify(stack.events))).toBe(JSON.stringify(stack.events));
    expect(await tokenWorks(saved)).toBe(true);
  });

  it('refreshes once on a 401 and carries on', async () => {
    const stack = sandboxStack(sandbox, { ...realm, refreshToken: latest() });
    latest = () => stack.store.current();
    await stack.auth.accessToken();
    sandbox.setFaults({ script: [{ request: 2, fault: '401' }] });
    const { manifest } = await run(stack, 'customers');
    expect(stack.auth.refreshCount()).toBe(2);
    expect(manifest.totals.failed).toBe(0);
    expect(stack.events.some((e) => e.type === 'log' && e.code === 'AUTH_401_REFRESH')).toBe(true);
  });

  it('fails with an AuthError asking to re-authorize on invalid_grant, writing nothing and leaking nothing', async () => {
    const bogus = 'RT1-000-H0-0000000000not-a-real-token';
    const stack = sandboxStack(sandbox, { ...realm, refreshToken: bogus });
    const ledger = new MemoryLedger();
    let err: BackfillError | undefined;
    try {
      const vars = parseVariables({ fecha_inicio: '2020-01-01', fecha_fin: '2031-01-01' }, 'items');
      await extractRun({ ledger, client: stack.client, auth: stack.auth, spoolDir: join(dir, 'spool'), concurrency: 2, breakerThreshold: 3, origin: 'cli', clock: stack.clock }, vars);
    } catch (e) {
      err = e as BackfillError;
    }
    expect(isAuthError(err)).toBe(true);
    expect(err!.code).toBe('QBO_REAUTHORIZE');
    expect(err!.message).toMatch(/invalid_grant.*Re-authorize/);
    const text = `${err!.message} ${JSON.stringify(err!.toJSON())} ${JSON.stringify(stack.events)}`;
    for (const secret of [bogus, sandbox.clientSecret, sandbox.clientId]) expect(text).not.toContain(secret);
    expect(ledger.runs).toHaveLength(0);
  });
});
