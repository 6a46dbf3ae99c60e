/** How the CLI tells a person about a retry as it happens: what failed, where, and how long it waits. */
import type { RetryEvent } from '../core/events';
import { formatDuration } from '../core/table';

export function retryLine(e: RetryEvent): string {
  const where = e.host ? `${e.url} on ${e.host}` : e.url;
  const of = e.max_retries === undefined ? '' : ` of ${e.max_retries}`;
  const wait = formatDuration(e.delay_ms);
  if (e.status === 429) return `${e.phase}: QBO throttled ${where} (429); waiting ${wait} before retry ${e.attempt}${of}.`;
  const what = e.status === undefined ? `connection failed (${e.network_code ?? e.code})` : `status ${e.status}`;
  return `${e.phase}: ${where}: ${what}; retry ${e.attempt}${of} in ${wait}.`;
}
