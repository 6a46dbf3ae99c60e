/**
 * The bodies QBO sends, success and Fault, in JSON or XML. Statuses and codes follow QBO_API.md:
 * 400 ValidationFault 4000/4001, 401 AUTHENTICATION 3200 (lower-case `fault.error[]` keys, as seen), 403 3100,
 * 429 ThrottleExceeded 3001 (JSON or XML), 500 SystemFault 10000, 503 from the gateway as HTML.
 */
import type { Company } from './generator/company';
import type { QueryResult } from './query/evaluate';
import type { QueryFault } from './query/errors';
import { element, faultXml, intuitResponse } from './xml';

export interface Reply {
  readonly status: number;
  readonly contentType: string;
  /** The body as text, or already encoded as UTF-8. */
  readonly body: string | Buffer;
  /** Rows of data in the body (stats: rowsServed, latencyPerRowMs). */
  readonly rows?: number;
}

const JSON_TYPE = 'application/json;charset=UTF-8';
const XML_TYPE = 'application/xml;charset=UTF-8';

function json(status: number, value: unknown, rows?: number): Reply {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(value), rows };
}

function xml(status: number, body: string, rows?: number): Reply {
  return { status, contentType: XML_TYPE, body, rows };
}

const COMMA = Buffer.from(',');

/**
 * A page's `QueryResponse` object as UTF-8 bytes, in pieces: what JSON.stringify of {<entity>: [...], startPosition,
 * maxResults} gives (`{}` for an empty page, `{"totalCount":N}` for a count), each record's bytes from the company
 * (Company.payloadBytes: a pre-rendered page is copied, not built and encoded again).
 */
function queryResponseParts(result: QueryResult, company: Company): Buffer[] {
  if (result.count) return [Buffer.from(`{"totalCount":${result.total}}`)];
  const n = result.indexes.length;
  if (n === 0) return [Buffer.from('{}')];
  const parts: Buffer[] = [Buffer.from(`{${JSON.stringify(result.entity)}:[`)];
  result.indexes.forEach((i, k) => {
    if (k > 0) parts.push(COMMA);
    parts.push(company.payloadBytes(result.entity, i));
  });
  parts.push(Buffer.from(`],"startPosition":${result.startPosition},"maxResults":${n}}`));
  return parts;
}

/** The same object as JSON text (a batch answer embeds it). */
export function queryResponseJson(result: QueryResult, company: Company): string {
  return Buffer.concat(queryResponseParts(result, company)).toString('utf8');
}

/** The JSON answer to a query, `{"QueryResponse":…,"time":…}`, as UTF-8 bytes. */
function queryAnswerBytes(result: QueryResult, company: Company, time: string): Buffer {
  return Buffer.concat([Buffer.from('{"QueryResponse":'), ...queryResponseParts(result, company), Buffer.from(`,"time":${JSON.stringify(time)}}`)]);
}

export function queryReply(result: QueryResult, company: Company, time: string, asJson: boolean): Reply {
  const n = result.count ? 0 : result.indexes.length;
  if (asJson) return { status: 200, contentType: JSON_TYPE, body: queryAnswerBytes(result, company, time), rows: result.count ? undefined : n };
  return xml(200, intuitResponse(time, queryResponseXml(result, company)), result.count ? undefined : n);
}

/** The `<QueryResponse …>` element of a page or count. */
export function queryResponseXml(result: QueryResult, company: Company): string {
  if (result.count) return `<QueryResponse totalCount="${result.total}"/>`;
  if (result.indexes.length === 0) return '<QueryResponse/>';
  const rowsXml = result.indexes.map((i) => element(result.entity, company.payload(result.entity, i))).join('');
  return `<QueryResponse startPosition="${result.startPosition}" maxResults="${result.indexes.length}">${rowsXml}</QueryResponse>`;
}

/** One record (read by id, or the answer to a write): `{"<Entity>": {...}, "time": …}` or its XML. */
export function entityReply(entity: string, payload: Record<string, unknown>, time: string, asJson: boolean): Reply {
  return asJson ? json(200, { [entity]: payload, time }, 1) : xml(200, intuitResponse(time, element(entity, payload)), 1);
}

/** The `Fault` object of a refused request (also the per-item Fault of a batch answer). */
export function faultObject(f: QueryFault): Record<string, unknown> {
  return { Error: [{ Message: f.faultMessage, Detail: f.detail, code: f.code, element: '' }], type: 'ValidationFault' };
}

function fault(status: number, type: string, code: string, message: string, detail: string, time: string, asJson: boolean): Reply {
  return asJson
    ? json(status, { Fault: { Error: [{ Message: message, Detail: detail, code }], type }, time })
    : xml(status, faultXml(time, type, code, message, detail));
}

export function queryFaultReply(f: QueryFault, time: string, asJson: boolean): Reply {
  return fault(400, 'ValidationFault', f.code, f.faultMessage, f.detail, time, asJson);
}

/** A refused write: as a query Fault, plus the `element` key QBO's write Faults carry. */
export function writeFaultReply(f: QueryFault, time: string, asJson: boolean): Reply {
  return asJson ? json(400, { Fault: faultObject(f), time }) : xml(400, faultXml(time, 'ValidationFault', f.code, f.faultMessage, f.detail));
}

export function authFaultReply(detail: string, requestId: string, time: string, asJson: boolean): Reply {
  const message = 'message=AuthenticationFailed; errorCode=003200; statusCode=401';
  return asJson
    ? json(401, { fault: { error: [{ message, detail, code: '3200' }], type: 'AUTHENTICATION' }, requestId })
    : xml(401, faultXml(time, 'AUTHENTICATION', '3200', message, detail));
}

export function forbiddenReply(time: string, asJson: boolean): Reply {
  const message = 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403';
  return fault(403, 'AUTHENTICATION', '3100', message, 'The access token does not grant access to this company.', time, asJson);
}

export function throttleReply(time: string, asJson: boolean): Reply {
  const message = 'message=ThrottleExceeded; errorCode=003001; statusCode=429';
  return fault(429, 'SERVICE', '3001', message, 'The request limit was reached.', time, asJson);
}

export function systemFaultReply(time: string, asJson: boolean): Reply {
  const message = 'An application error has occurred while processing your request';
  return fault(500, 'SystemFault', '10000', message, 'System Failure Error: An unexpected error occurred.', time, asJson);
}

export function unavailableReply(): Reply {
  const body = '<html><head><title>503 Service Temporarily Unavailable</title></head><body><h1>Service Temporarily Unavailable</h1></body></html>';
  return { status: 503, contentType: 'text/html', body };
}

export function notFoundReply(what: string, time: string, asJson: boolean): Reply {
  return fault(400, 'ValidationFault', '610', 'Object Not Found', `Object Not Found : ${what}`, time, asJson);
}
