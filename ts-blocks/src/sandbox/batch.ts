/**
 * `POST /v3/company/{realm}/batch`: `{"BatchItemRequest": [{"bId": "1", "Query": "SELECT …"},
 * {"bId": "2", "operation": "create", "Customer": {…}}, …]}`, answered `{"BatchItemResponse": [{"bId": "1",
 * "QueryResponse": {…}}, {"bId": "2", "Customer": {…}}, {"bId": "3", "Fault": {…}}], "time": …}`. Items run in
 * order against the same store as single requests; a refused item gets its own Fault and the others still run.
 * Limits, as Intuit publishes them (limits-and-throttles page; node-quickbooks and Intuit's .NET SDK use the same
 * 30): at most 30 items per batch, 40 batch requests per minute per realm, each item metered like a request.
 */
import { isObject } from './writes/context';
import { applyWrite } from './writes/apply';
import { invalidProperty } from './writes/faults';
import { parseJsonBody, writeRequest } from './writes/request';
import type { Payload } from './generator/common';
import { SANDBOX_ENTITIES } from './options';
import { executeQuery, type QueryResult } from './query/evaluate';
import { QueryFault } from './query/errors';
import { parseQuery } from './query/parser';
import { faultObject, queryResponseJson, queryResponseXml, writeFaultReply, type Reply } from './replies';
import type { SandboxState } from './state';
import { element, escapeXml, faultElement, intuitResponse } from './xml';

export const MAX_BATCH_ITEMS = 30;
export const BATCH_REQUESTS_PER_MIN = 40;

/** How many items a batch body holds (what the limiter meters), 1 when it is not a batch at all. */
export function batchWeight(text: string): number {
  try {
    const items = (JSON.parse(text) as { BatchItemRequest?: unknown }).BatchItemRequest;
    return Array.isArray(items) ? Math.max(1, Math.min(items.length, MAX_BATCH_ITEMS)) : 1;
  } catch {
    return 1;
  }
}

/** What one item came to: a query's result, a written record (or deleted stub), or a Fault. */
type Outcome =
  | { readonly bId?: string; readonly query: QueryResult }
  | { readonly bId?: string; readonly entity: string; readonly payload: Payload }
  | { readonly bId?: string; readonly fault: QueryFault };

function runItem(state: SandboxState, item: unknown): Outcome {
  const bId = isObject(item) && typeof item.bId === 'string' ? item.bId : undefined;
  try {
    if (!isObject(item) || bId === undefined) throw invalidProperty('bId: every BatchItemRequest needs a bId (a string)');
    if (typeof item.Query === 'string') {
      return { bId, query: executeQuery(state.company, parseQuery(item.Query), state.faults.literalTimeZone) };
    }
    const entity = SANDBOX_ENTITIES.find((e) => item[e] !== undefined);
    if (!entity) throw invalidProperty(`bId ${bId}: give a Query, or an operation with one of ${SANDBOX_ENTITIES.join(', ')}`);
    if (typeof item.operation !== 'string') throw invalidProperty(`bId ${bId}: operation (create, update or delete) is required`);
    return { bId, entity, payload: applyWrite(state.company, writeRequest(entity, item.operation, item[entity]), state.now(), state.rng) };
  } catch (e) {
    if (e instanceof QueryFault) return { bId, fault: e };
    throw e;
  }
}

function itemJson(o: Outcome, state: SandboxState): string {
  const head = o.bId === undefined ? '{' : `{"bId":${JSON.stringify(o.bId)},`;
  if ('query' in o) return `${head}"QueryResponse":${queryResponseJson(o.query, state.company)}}`;
  if ('fault' in o) return `${head}"Fault":${JSON.stringify(faultObject(o.fault))}}`;
  return `${head}${JSON.stringify(o.entity)}:${JSON.stringify(o.payload)}}`;
}

function itemXml(o: Outcome, state: SandboxState): string {
  const inner =
    'query' in o
      ? queryResponseXml(o.query, state.company)
      : 'fault' in o
        ? faultElement('ValidationFault', o.fault.code, o.fault.faultMessage, o.fault.detail)
        : element(o.entity, o.payload);
  return `<BatchItemResponse${o.bId === undefined ? '' : ` bId="${escapeXml(o.bId)}"`}>${inner}</BatchItemResponse>`;
}

function items(text: string): unknown[] {
  const body = parseJsonBody(text);
  const list = isObject(body) ? body.BatchItemRequest : undefined;
  if (!Array.isArray(list)) throw invalidProperty('BatchItemRequest: the body must be {"BatchItemRequest": [ … ]}');
  if (list.length > MAX_BATCH_ITEMS) {
    throw new QueryFault(
      '6000',
      'A business validation error has occurred while processing your request',
      `Business Validation Error: a batch holds at most ${MAX_BATCH_ITEMS} BatchItemRequests; this one has ${list.length}.`,
    );
  }
  return list;
}

/** Runs a batch request's items; a body that is not a batch (or too large a one) is refused as a whole. */
export function batchReply(state: SandboxState, text: string, time: string, asJson: boolean): Reply {
  let outcomes: Outcome[];
  try {
    outcomes = items(text).map((item) => runItem(state, item));
  } catch (e) {
    if (e instanceof QueryFault) return writeFaultReply(e, time, asJson);
    throw e;
  }
  const rows = outcomes.reduce((n, o) => n + ('query' in o && !o.query.count ? o.query.indexes.length : 0), 0);
  if (!asJson) {
    const body = intuitResponse(time, outcomes.map((o) => itemXml(o, state)).join(''));
    return { status: 200, contentType: 'application/xml;charset=UTF-8', body, rows };
  }
  const body = `{"BatchItemResponse":[${outcomes.map((o) => itemJson(o, state)).join(',')}],"time":${JSON.stringify(time)}}`;
  return { status: 200, contentType: 'application/json;charset=UTF-8', body, rows };
}
