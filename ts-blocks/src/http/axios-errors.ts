/** Maps whatever axios threw to a classified BackfillError (see classify.ts). */
import { isAxiosError } from 'axios';
import { FatalError, isBackfillError, type BackfillError } from '../core/errors';
import { classifyNetworkError, classifyResponse, type CallDescriptor } from './classify';

export function fromAxiosError(call: CallDescriptor, error: unknown, now: number): BackfillError {
  if (isBackfillError(error)) return error;
  if (isAxiosError(error)) {
    if (error.response) {
      return classifyResponse(
        call,
        { status: error.response.status, data: error.response.data, headers: error.response.headers as Record<string, unknown> },
        now,
      );
    }
    if (error.code === 'ERR_CANCELED') {
      return new FatalError(`${call.label} was cancelled: ${call.method} ${call.path}. The run was stopped.`, { code: 'ABORTED' });
    }
    return classifyNetworkError(call, error.code, error.message);
  }
  const code = (error as { code?: unknown })?.code;
  return classifyNetworkError(call, typeof code === 'string' ? code : undefined, error instanceof Error ? error.message : String(error));
}
