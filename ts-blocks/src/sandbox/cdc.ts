/**
 * Change data capture: `GET /v3/company/{realm}/cdc?entities=Invoice,Customer&changedSince=…`. Every record of
 * the listed entities changed at or after `changedSince` (at most 30 days back, at most 1000 objects in all);
 * deleted ones appear as `{"domain":"QBO","status":"Deleted","Id":"9"}`.
 */
import type { Company, Payload } from './generator/company';
import { canonicalEntity } from './query/evaluate';
import { validationFault } from './query/errors';
import { formatZoned, parseTimeLiteral } from './time';

const MAX_OBJECTS = 1000;
const WINDOW_MS = 30 * 86_400_000;

export function cdcResponse(company: Company, params: URLSearchParams, nowMs: number, literalZone: string): Payload {
  const entities = (params.get('entities') ?? '').split(',').map((e) => e.trim()).filter((e) => e.length > 0);
  if (entities.length === 0) throw validationFault('entities is required, e.g. entities=Invoice,Customer');
  const since = parseTimeLiteral(params.get('changedSince') ?? '', literalZone);
  if (!since) throw validationFault('changedSince is required, e.g. changedSince=2024-06-01T00:00:00-07:00');
  if (since.epochMs < nowMs - WINDOW_MS) {
    throw validationFault('changedSince must be within the last 30 days');
  }
  let budget = MAX_OBJECTS;
  const responses: Payload[] = [];
  for (const name of entities) {
    const entity = canonicalEntity(name);
    const t = company.table(entity);
    const rows: Payload[] = [];
    for (let p = t.updatedBound(since.epochMs / 1000, false); p < t.size && budget > 0; p++, budget--) {
      const i = t.byUpdated[p];
      rows.push(
        t.exists(i)
          ? company.payload(entity, i)
          : {
              domain: 'QBO',
              status: 'Deleted',
              Id: String(t.ids[i]),
              MetaData: { LastUpdatedTime: formatZoned(t.deletedAt[i] * 1000, company.zone) },
            },
      );
    }
    responses.push(rows.length === 0 ? {} : { [entity]: rows, startPosition: 1, maxResults: rows.length });
  }
  return { CDCResponse: [{ QueryResponse: responses }], time: formatZoned(nowMs, company.zone, true) };
}
