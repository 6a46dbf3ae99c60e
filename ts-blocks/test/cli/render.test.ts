import { PassThrough } from 'node:stream';
import type { RetryEvent } from '../../src/core/events';
import { progressRenderer } from '../../src/cli/render';

function captured() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

const throttled: RetryEvent = {
  type: 'retry', phase: 'extract', attempt: 2, delay_ms: 60_000, status: 429, code: 'QBO_THROTTLED',
  url: 'POST /v3/company/123/query', host: 'quickbooks.api.intuit.com', max_retries: 6,
};

describe('the human progress output', () => {
  it('shows a throttle wait the moment it starts, with the host, the wait and the retry count', () => {
    const err = captured();
    const renderer = progressRenderer(err.stream);
    renderer.emit(throttled);
    expect(err.text()).toBe('extract: QBO throttled POST /v3/company/123/query on quickbooks.api.intuit.com (429); waiting 1 min 0 s before retry 2 of 6.\n');
    renderer.stop();
  });

  it('shows a failed connection and a server error with their cause and backoff', () => {
    const err = captured();
    const renderer = progressRenderer(err.stream);
    renderer.emit({ ...throttled, phase: 'auth', attempt: 1, delay_ms: 1500, status: undefined, code: 'QBO_NETWORK', network_code: 'ETIMEDOUT', url: 'POST /oauth2/v1/tokens/bearer', host: 'oauth.platform.intuit.com' });
    renderer.emit({ ...throttled, attempt: 3, delay_ms: 250, status: 503, code: 'QBO_SERVER_ERROR' });
    expect(err.text().split('\n')).toEqual([
      'auth: POST /oauth2/v1/tokens/bearer on oauth.platform.intuit.com: connection failed (ETIMEDOUT); retry 1 of 6 in 1.5 s.',
      'extract: POST /v3/company/123/query on quickbooks.api.intuit.com: status 503; retry 3 of 6 in 250 ms.',
      '',
    ]);
    renderer.stop();
  });
});
