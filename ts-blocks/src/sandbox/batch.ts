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
import { SANDBOX_ENTITIES } from './options';
import { executeQuery } from './query/evaluate';
import { QueryFault } from './query/errors';
import { parseQuery } from './query/parser';
import { faultObject, queryResponseJson, writeFaultReply, type Reply } from './replies';
import type { SandboxState } from './state';
import { element, intuitResponse } from './xml';

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

interface ItemAnswer {
  /** The item's JSON text. */
  readonly text: string;
  readonly rows: number;
}

function runItem(state: SandboxState, item: unknown): ItemAnswer {
  const bId = isObject(item) && typeof item.bId === 'string' ? item.bId : undefined;
  try {
    if (!isObject(item) || bId === undefined) throw invalidProperty('bId: every BatchItemRequest needs a bId (a string)');
    if (typeof item.Query === 'string') {
      const result = executeQuery(state.company, parseQuery(item.Query), state.faults.literalTimeZone);
      const rows = result.count ? 0 : result.indexes.length;
      return { text: `{"bId":${JSON.stringify(bId)},"QueryResponse":${queryResponseJson(result, state.company)}}`, rows };
    }
    const entity = SANDBOX_ENTITIES.find((e) => item[e] !== undefined);
    if (!entity) throw invalidProperty(`bId ${bId}: give a Query, or an operation with one of ${SANDBOX_ENTITIES.join(', ')}`);
    if (typeof item.operation !== 'string') throw invalidProperty(`bId ${bId}: operation (create, update or delete) is required`);
    const payload = applyWrite(state.company, writeRequest(entity, item.operation, item[entity]), state.now(), state.rng);
    return { text: JSON.stringify({ bId, [entity]: payload }), rows: 0 };
  } catch (e) {
    if (e instanceof QueryFault) return { text: JSON.stringify({ bId, Fault: faultObject(e) }), rows: 0 };
    throw e;
  }
}

function batchXml(answers: readonly ItemAnswer[], time: string): string {
  const inner = answers.map((a) => {
    const { bId, ...rest } = JSON.parse(a.text) as Record<string, unknown>;
    return element('BatchItemResponse', rest, bId === undefined ? {} : { bId: String(bId) });
  });
  return intuitResponse(time, inner.join(''));
}

/** Runs a batch request's items; a body that is not a batch (or too large a one) is refused as a whole. */
export function batchReply(state: SandboxState, text: string, time: string, asJson: boolean): Reply {
  try {
    const body = parseJsonBody(text);
    const items = isObject(body) ? body.BatchItemRequest : undefined;
    if (!Array.isArray(items)) throw invalidProperty('BatchItemRequest: the body must be {"BatchItemRequest": [ … ]}');
    if (items.length > MAX_BATCH_ITEMS) {
      throw new QueryFault(
        '6000',
        'A business validation error has occurred while processing your request',
        `Business Validation Error: a batch holds at most ${MAX_BATCH_ITEMS} BatchItemRequests; this one has ${items.length}.`,
      );
    }
    const answers = items.map((item) => runItem(state, item));
    const rows = answers.reduce((n, a) => n + a.rows, 0);
    if (!asJson) return { status: 200, contentType: 'application/xml;charset=UTF-8', body: batchXml(answers, time), rows };
    const json = `{"BatchItemResponse":[${answers.map((a) => a.text).join(',')}],"time":${JSON.stringify(time)}}`;
    return { status: 200, contentType: 'application/json;charset=UTF-8', body: json, rows };
  } catch (e) {
    if (e instanceof QueryFault) return writeFaultReply(e, time, asJson);
    throw e;
  }
}
