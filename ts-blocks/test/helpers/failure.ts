/** The error a promise rejects with; a promise that resolves fails the test. */
import type { BackfillError } from '../../src/core/errors';

export async function failure(p: Promise<unknown>): Promise<BackfillError> {
  try {
    await p;
  } catch (e) {
    return e as BackfillError;
  }
  throw new Error('expected a failure');
}
