/** The spool: chunk files between extraction and loading (see types.ts for the format). */
export * from './types';
export { spoolPath } from './paths';
export { readSpool, readSpoolHeader, readSpoolFooter } from './reader';
export { SpoolWriter, type CompletedSpool, type SpoolHeaderFields } from './writer';
