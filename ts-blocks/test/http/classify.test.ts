import { classifyNetworkError, classifyResponse } from '../../src/http/classify';
import { parseFault } from '../../src/http/fault';
import { retryDelayMs } from '../../src/http/backoff';
import { RetriableError } from '../../src/core/errors';
import { parseRetryAfter } from '../../src/http/retry-after';

const call = { label: 'QBO query', method: 'POST', path: '/v3/company/123/query' };
const now = Date.UTC(2024, 0, 1);

describe('classifying QBO answers', () => {
  it.each([408, 429, 500, 502, 503, 504])('treats %i as retriable', (status) => {
    expect(classifyResponse(call, { status }, now).kind).toBe('retriable');
  });

  it.each([
    [400, 'fatal', 'QBO_BAD_REQUEST'],
    [401, 'auth', 'QBO_UNAUTHORIZED'],
    [403, 'auth', 'QBO_FORBIDDEN'],
    [404, 'fatal', 'QBO_HTTP_ERROR'],
    [501, 'fatal', 'QBO_HTTP_ERROR'],
  ])('never retries %i', (status, kind, code) => {
    const err = classifyResponse(call, { status }, now);
    expect(err.kind).toBe(kind);
    expect(err.code).toBe(code);
  });

  it('names the call and carries the JSON Fault code and message', () => {
    const data = { Fault: { Error: [{ Message: 'Error parsing query', Detail: 'QueryParserError: Encountered x', code: '4000' }], type: 'ValidationFault' } };
    const err = classifyResponse(call, { status: 400, data }, now);
    expect(err.message).toContain('QBO query failed with status 400: POST /v3/company/123/query');
    expect(err.message).toContain('code 4000: Error parsing query (QueryParserError: Encountered x)');
    expect(err.context).toMatchObject({ fault_code: '4000', fault_type: 'ValidationFault' });
  });

  it('reads lower-case JSON faults and XML faults', () => {
    expect(parseFault({ fault: { error: [{ message: 'message=AuthenticationFailed', code: '3200' }], type: 'AUTHENTICATION' } })).toEqual({
      code: '3200',
      message: 'message=AuthenticationFailed',
      detail: undefined,
      type: 'AUTHENTICATION',
    });
    const xml =
      '<?xml version="1.0"?><IntuitResponse><Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message><Detail>Too many</Detail></Error></Fault></IntuitResponse>';
    const err = classifyResponse(call, { status: 429, data: xml }, now);
    expect(err.code).toBe('QBO_THROTTLED');
    expect(err.message).toContain('code 3001: message=ThrottleExceeded');
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(new Date(now + 3000).toUTCString(), now)).toBe(3000);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    const err = classifyResponse(call, { status: 503, headers: { 'retry-after': '2' } }, now) as RetriableError;
    expect(err.retryAfterMs).toBe(2000);
  });

  it('retries dropped connections but not unknown hosts', () => {
    expect(classifyNetworkError(call, 'ECONNRESET').kind).toBe('retriable');
    expect(classifyNetworkError(call, 'ENOTFOUND').kind).toBe('fatal');
  });
});

describe('retry delays', () => {
  const options = { retryBaseMs: 1000, retryMaxMs: 8000 };

  it('honours Retry-After first', () => {
    const err = new RetriableError('x', { code: 'QBO_THROTTLED', status: 429, retryAfterMs: 1234 });
    expect(retryDelayMs(3, err, options, () => 1)).toBe(1234);
  });

  it('uses exponential backoff with full jitter, capped', () => {
    const err = new RetriableError('x', { code: 'QBO_SERVER_ERROR', status: 503 });
    expect(retryDelayMs(1, err, options, () => 0.999)).toBe(999);
    expect(retryDelayMs(3, err, options, () => 0.5)).toBe(2000);
    expect(retryDelayMs(10, err, options, () => 0.999)).toBe(7992);
    expect(retryDelayMs(2, err, options, () => 0)).toBe(0);
  });
});
