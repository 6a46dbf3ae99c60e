/**
 * Settings: QBO endpoints and credentials, the database, local paths and limits, read once into a typed readonly
 * object. Values come from Mage Secrets (`secrets`, the block input) first, then from the environment (`env`, the
 * CLI after dotenv-safe). Every credential is registered with the sanitiser as soon as it is read.
 */
import { resolve } from 'node:path';
import { registerSecret } from '../core/sanitize';
import { toInteger } from './coerce';
import { readDbSettings, type DbSettings } from './db-settings';
import { readLimits, type Limits } from './limits';
import { DEFAULT_SPOOL_DIR, DEFAULT_TOKEN_FILE } from './paths';
import { lookupFrom, throwIfProblems, type Lookup, type SettingsSources } from './sources';

export type { SettingsSources };

export type QboEnvironment = 'sandbox' | 'production';

/** Intuit's documented endpoints; QBO_API_BASE_URL / QBO_TOKEN_URL override them (local sandbox, proxies). */
export const QBO_BASE_URLS: Readonly<Record<QboEnvironment, string>> = Object.freeze({
  sandbox: 'https://sandbox-quickbooks.api.intuit.com',
  production: 'https://quickbooks.api.intuit.com',
});
export const INTUIT_TOKEN_URL = 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer';
export const DEFAULT_QBO_ENV: QboEnvironment = 'sandbox';
/** Intuit stopped honouring minor versions below 75 on 2025-08-01. */
export const MIN_MINOR_VERSION = 75;
export const DEFAULT_MINOR_VERSION = 75;

export interface QboSettings {
  readonly environment: QboEnvironment;
  /** API root without a trailing slash; queries go to `${apiBaseUrl}/v3/company/${realmId}/query`. */
  readonly apiBaseUrl: string;
  readonly tokenUrl: string;
  readonly realmId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The configured refresh token (a token store may hold a newer, rotated one). */
  readonly refreshToken: string;
  readonly minorVersion: number;
}

export interface Settings {
  readonly qbo: QboSettings;
  readonly db: DbSettings;
  readonly spoolDir: string;
  readonly tokenFile: string;
  readonly limits: Limits;
}

function readUrl(lookup: Lookup, name: string, fallback: string, problems: string[]): string {
  const value = lookup(name) ?? fallback;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    problems.push(`${name} must be an http(s) URL`);
  }
  return value.replace(/\/+$/, '');
}

function readEnvironment(lookup: Lookup, problems: string[]): QboEnvironment {
  const value = (lookup('QBO_ENV') ?? DEFAULT_QBO_ENV).toLowerCase();
  if (value === 'sandbox' || value === 'production') return value;
  problems.push('QBO_ENV must be sandbox or production');
  return DEFAULT_QBO_ENV;
}

function readMinorVersion(lookup: Lookup, problems: string[]): number {
  const raw = lookup('QBO_MINOR_VERSION');
  if (raw === undefined) return DEFAULT_MINOR_VERSION;
  const n = toInteger(raw);
  if (n === undefined || n < MIN_MINOR_VERSION) {
    problems.push(`QBO_MINOR_VERSION must be an integer >= ${MIN_MINOR_VERSION} (Intuit ignores older minor versions)`);
    return DEFAULT_MINOR_VERSION;
  }
  return n;
}

function required(lookup: Lookup, name: string, missing: string[]): string {
  const value = lookup(name);
  if (value === undefined) missing.push(name);
  return value ?? '';
}

/** The QBO part of the settings (what the extractor needs). */
export function readQboSettings(lookup: Lookup): QboSettings {
  const problems: string[] = [];
  const missing: string[] = [];
  const environment = readEnvironment(lookup, problems);
  const qbo: QboSettings = Object.freeze({
    environment,
    apiBaseUrl: readUrl(lookup, 'QBO_API_BASE_URL', QBO_BASE_URLS[environment], problems),
    tokenUrl: readUrl(lookup, 'QBO_TOKEN_URL', INTUIT_TOKEN_URL, problems),
    realmId: required(lookup, 'QBO_REALM_ID', missing),
    clientId: required(lookup, 'QBO_CLIENT_ID', missing),
    clientSecret: required(lookup, 'QBO_CLIENT_SECRET', missing),
    refreshToken: required(lookup, 'QBO_REFRESH_TOKEN', missing),
    minorVersion: readMinorVersion(lookup, problems),
  });
  for (const secret of [qbo.clientId, qbo.clientSecret, qbo.refreshToken]) registerSecret(secret);
  throwIfProblems(missing, problems);
  return qbo;
}

/** Reads and validates every setting; throws one ConfigError naming each missing or invalid one. */
export function loadSettings(sources: SettingsSources): Settings {
  const lookup = lookupFrom(sources);
  const qbo = readQboSettings(lookup);
  const db = readDbSettings(lookup);
  return Object.freeze({
    qbo,
    db,
    spoolDir: resolve(lookup('QBO_SPOOL_DIR') ?? DEFAULT_SPOOL_DIR),
    tokenFile: resolve(lookup('QBO_TOKEN_FILE') ?? DEFAULT_TOKEN_FILE),
    limits: readLimits(lookup),
  });
}
