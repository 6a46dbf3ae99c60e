import { isConfigError } from '../../src/core/errors';
import { clearRegisteredSecrets, sanitize } from '../../src/core/sanitize';
import { DEFAULT_LIMITS } from '../../src/config/limits';
import { DEFAULT_SPOOL_DIR, DEFAULT_TOKEN_FILE } from '../../src/config/paths';
import { INTUIT_TOKEN_URL, QBO_BASE_URLS, loadSettings } from '../../src/config/settings';

const qbo = {
  QBO_REALM_ID: '9130355',
  QBO_CLIENT_ID: 'client-id-fake',
  QBO_CLIENT_SECRET: 'client-secret-fake-123',
  QBO_REFRESH_TOKEN: 'refresh-token-fake-456',
};
const db = { DATABASE_URL: 'postgres://backfill:pw-fake-789@db:5432/warehouse' };

describe('loadSettings', () => {
  afterEach(() => clearRegisteredSecrets());

  it('uses Intuit sandbox URLs, minor version 75 and the repo defaults when nothing else is said', () => {
    const s = loadSettings({ secrets: { ...qbo, ...db } });
    expect(s.qbo).toMatchObject({
      environment: 'sandbox',
      apiBaseUrl: QBO_BASE_URLS.sandbox,
      tokenUrl: INTUIT_TOKEN_URL,
      realmId: '9130355',
      minorVersion: 75,
    });
    expect(s.spoolDir).toBe(DEFAULT_SPOOL_DIR);
    expect(s.tokenFile).toBe(DEFAULT_TOKEN_FILE);
    expect(s.limits).toEqual(DEFAULT_LIMITS);
    expect(s.db).toEqual({ connectionString: db.DATABASE_URL, source: 'DATABASE_URL' });
  });

  it('picks production URLs for QBO_ENV=production and lets explicit URLs override', () => {
    expect(loadSettings({ env: { ...qbo, ...db, QBO_ENV: 'production' } }).qbo.apiBaseUrl).toBe(QBO_BASE_URLS.production);
    const s = loadSettings({ env: { ...qbo, ...db, QBO_API_BASE_URL: 'http://127.0.0.1:4000/', QBO_TOKEN_URL: 'http://127.0.0.1:4000/oauth2/v1/tokens/bearer' } });
    expect(s.qbo.apiBaseUrl).toBe('http://127.0.0.1:4000');
    expect(s.qbo.tokenUrl).toBe('http://127.0.0.1:4000/oauth2/v1/tokens/bearer');
  });

  it('prefers Mage secrets over the environment', () => {
    const s = loadSettings({ secrets: { ...qbo, ...db }, env: { QBO_REALM_ID: 'other' } });
    expect(s.qbo.realmId).toBe('9130355');
  });

  it('names every missing secret without showing any value', () => {
    try {
      loadSettings({ env: { QBO_CLIENT_SECRET: 'client-secret-fake-123', ...db } });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(isConfigError(e)).toBe(true);
      const err = e as Error & { code: string };
      expect(err.code).toBe('CONFIG_MISSING_SECRET');
      for (const name of ['QBO_REALM_ID', 'QBO_CLIENT_ID', 'QBO_REFRESH_TOKEN']) expect(err.message).toContain(name);
      expect(err.message).not.toContain('QBO_CLIENT_SECRET');
      expect(err.message).not.toContain('client-secret-fake-123');
    }
  });

  it('enforces minor version 75 or later', () => {
    expect(() => loadSettings({ env: { ...qbo, ...db, QBO_MINOR_VERSION: '70' } })).toThrow(/QBO_MINOR_VERSION must be an integer >= 75/);
    expect(loadSettings({ env: { ...qbo, ...db, QBO_MINOR_VERSION: '76' } }).qbo.minorVersion).toBe(76);
  });

  it('builds the database URL from Mage PG_* secrets or libpq PG* variables', () => {
    const mage = loadSettings({ secrets: { ...qbo, PG_HOST: 'postgres', PG_DATABASE: 'wh', PG_USER: 'u', PG_PASSWORD: 'p@ss word' } });
    expect(mage.db).toEqual({ connectionString: 'postgres://u:p%40ss%20word@postgres:5432/wh', source: 'PG_*' });
    const cli = loadSettings({ env: { ...qbo, PGHOST: 'localhost', PGPORT: '5433', PGDATABASE: 'wh', PGUSER: 'u' } });
    expect(cli.db).toEqual({ connectionString: 'postgres://u@localhost:5433/wh', source: 'PG*' });
  });

  it('fails naming the database settings when none is given', () => {
    expect(() => loadSettings({ env: qbo })).toThrow(/DATABASE_URL \(or PG_HOST/);
  });

  it('registers every credential with the sanitiser', () => {
    loadSettings({ secrets: { ...qbo, PG_HOST: 'h', PG_DATABASE: 'd', PG_USER: 'u', PG_PASSWORD: 'pg-pass-fake' } });
    const out = sanitize(`x ${qbo.QBO_CLIENT_SECRET} ${qbo.QBO_REFRESH_TOKEN} pg-pass-fake y`);
    expect(out).toBe('x [REDACTED] [REDACTED] [REDACTED] y');
  });

  it('reads optional limits and rejects out-of-range ones by name', () => {
    const s = loadSettings({ env: { ...qbo, ...db, QBO_MAX_IN_FLIGHT: '4', QBO_THROTTLE_WAIT_MS: '0' } });
    expect(s.limits).toMatchObject({ maxInFlight: 4, throttleWaitMs: 0, requestsPerWindow: 450 });
    expect(() => loadSettings({ env: { ...qbo, ...db, QBO_MAX_IN_FLIGHT: '12' } })).toThrow(/QBO_MAX_IN_FLIGHT must be an integer from 1 to 10/);
    expect(loadSettings({ env: { ...qbo, ...db, QBO_LOADER_NICENESS: '0' } }).limits.loaderNiceness).toBe(0);
    expect(() => loadSettings({ env: { ...qbo, ...db, QBO_LOADER_NICENESS: '20' } })).toThrow(/QBO_LOADER_NICENESS must be an integer from 0 to 19/);
  });
});
