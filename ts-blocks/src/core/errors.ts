/**
 * The project's error hierarchy. Every error the library throws is one of these kinds, so callers (the CLI,
 * the block entry points, the retry policy) decide by kind, never by parsing messages:
 * - config:    bad input from the operator (a variable, a setting, a secret missing). Fix the input.
 * - auth:      OAuth refused (invalid_grant, invalid_client, 401 after a refresh, 403). Re-authorize.
 * - retriable: a transient failure (429, 5xx, 408, network). The retry policy may try again.
 * - fatal:     anything else that must stop the run (a 400 query fault, a broken invariant, a DB error).
 * - data:      the data itself is wrong (a record without Id, a count that cannot be reconciled).
 * Messages say what failed, where, and what to do; they pass through `sanitize` on construction, so no token or
 * secret can ride along in a message.
 */
import { sanitize } from './sanitize';

export type ErrorKind = 'config' | 'auth' | 'retriable' | 'fatal' | 'data';

const BRAND = Symbol.for('qbo-backfill.error');

export interface ErrorDetails {
  /** A stable, greppable code, e.g. `QBO_THROTTLED`, `CONFIG_INVALID_VARIABLE`. */
  code: string;
  /** HTTP status when the error came from a response. */
  status?: number;
  /** Extra, non-secret context (entity, window, url without query secrets). */
  context?: Record<string, unknown>;
  cause?: unknown;
}

export abstract class BackfillError extends Error {
  abstract readonly kind: ErrorKind;
  readonly code: string;
  readonly status?: number;
  readonly context: Record<string, unknown>;
  readonly [BRAND] = true;

  constructor(message: string, details: ErrorDetails) {
    super(sanitize(message), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = details.code;
    this.status = details.status;
    this.context = details.context ?? {};
  }

  /** A plain, log-safe representation (what the `error` event carries). */
  toJSON(): { kind: ErrorKind; code: string; message: string; status?: number; context: Record<string, unknown> } {
    return {
      kind: this.kind,
      code: this.code,
      message: this.message,
      ...(this.status === undefined ? {} : { status: this.status }),
      context: JSON.parse(sanitize(JSON.stringify(this.context))) as Record<string, unknown>,
    };
  }
}

export class ConfigError extends BackfillError {
  readonly kind = 'config' as const;
}
export class AuthError extends BackfillError {
  readonly kind = 'auth' as const;
}
export class RetriableError extends BackfillError {
  readonly kind = 'retriable' as const;
  /** Milliseconds the server asked us to wait (Retry-After), if it said. */
  readonly retryAfterMs?: number;
  constructor(message: string, details: ErrorDetails & { retryAfterMs?: number }) {
    super(message, details);
    this.retryAfterMs = details.retryAfterMs;
  }
}
export class FatalError extends BackfillError {
  readonly kind = 'fatal' as const;
}
export class DataError extends BackfillError {
  readonly kind = 'data' as const;
}

export function isBackfillError(e: unknown): e is BackfillError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}
export const isConfigError = (e: unknown): e is ConfigError => isBackfillError(e) && e.kind === 'config';
export const isAuthError = (e: unknown): e is AuthError => isBackfillError(e) && e.kind === 'auth';
export const isRetriableError = (e: unknown): e is RetriableError => isBackfillError(e) && e.kind === 'retriable';
export const isFatalError = (e: unknown): e is FatalError => isBackfillError(e) && e.kind === 'fatal';
export const isDataError = (e: unknown): e is DataError => isBackfillError(e) && e.kind === 'data';

/** Wraps anything thrown into a BackfillError (unknown errors become `fatal`), message sanitised. */
export function toBackfillError(e: unknown, code = 'UNEXPECTED'): BackfillError {
  if (isBackfillError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new FatalError(message, { code, cause: e });
}
