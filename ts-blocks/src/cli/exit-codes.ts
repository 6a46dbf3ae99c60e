/**
 * Exit codes, the same as the block entry points': 0 success; 2 config/usage; 3 auth; 4 data; 1 anything else;
 * and, for the CLI only, 130 when the operator interrupted the run (SIGINT/SIGTERM).
 */
import type { ErrorKind } from '../core/errors';

export const EXIT_OK = 0;
export const EXIT_CODES: Readonly<Record<ErrorKind, number>> = { config: 2, auth: 3, data: 4, fatal: 1, retriable: 1 };
export const EXIT_INTERRUPTED = 130;
