/** Public surface of the qbo-backfill library. */
export * from './core/errors';
export * from './core/events';
export { sanitize, sanitizeValue, registerSecret } from './core/sanitize';
