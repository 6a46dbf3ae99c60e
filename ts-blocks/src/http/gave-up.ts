/**
 * The message of a retriable failure once the retries ran out: how many tries were made, to which host, the last
 * failure, and what to do. Retries are axios-retry's: the count travels in the request config.
 */
import type { AxiosRequestConfig } from 'axios';
import { isRetriableError, RetriableError, type BackfillError } from '../core/errors';
import type { CallDescriptor } from './classify';

/** Attempts made for the request that failed: its retries plus the first one. */
function attemptsMade(error: unknown): number {
  const config = (error as { config?: AxiosRequestConfig } | null)?.config;
  return (config?.['axios-retry']?.retryCount ?? 0) + 1;
}

function whatToDo(call: CallDescriptor, err: BackfillError, host: string): string {
  if (err.status === undefined) {
    const setting = call.setting ? `, ${call.setting}` : '';
    return `Check that ${host} can be reached from this machine (network, proxy${setting}), then run again: finished windows are kept.`;
  }
  return 'Run again later: finished windows are kept and the run resumes.';
}

/** A retriable error, final: `QBO token refresh gave up after 7 tries on <host>: <last failure> <advice>`. */
export function gaveUp(call: CallDescriptor, err: BackfillError, error: unknown): BackfillError {
  if (!isRetriableError(err)) return err;
  const tries = attemptsMade(error);
  const host = call.host ?? 'the server';
  const message = `${call.label} gave up after ${tries} ${tries === 1 ? 'try' : 'tries'} on ${host}. Last failure: ${err.message} ${whatToDo(call, err, host)}`;
  return new RetriableError(message, {
    code: err.code,
    status: err.status,
    context: { ...err.context, host, attempts: tries },
  });
}
