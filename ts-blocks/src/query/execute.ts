/** One query answered: a page of records or a count, with what was sent (for the spool). */
import type { EntityDefinition } from '../entities/types';
import type { QboClient, QueryCallOptions } from '../http/qbo-client';
import type { QboRecord, RequestPayload } from '../spool/types';
import { buildCount, buildSelect, type PageSpec, type QueryTarget } from './builder';
import { rawBytesOf, recordBytes, rememberRecordBytes } from './raw-json';
import { readCount, readRecords } from './response';

export interface FetchedPage {
  readonly request: RequestPayload;
  readonly records: readonly QboRecord[];
}

export async function fetchPage(client: QboClient, target: QueryTarget, page: PageSpec, options?: QueryCallOptions): Promise<FetchedPage> {
  const statement = buildSelect(target, page);
  const body = await client.postQuery(statement, options);
  const records = readRecords(body, target.entity.qboEntity);
  const bytes = rawBytesOf(body);
  const parts = bytes === undefined ? undefined : recordBytes(bytes, target.entity.qboEntity, records);
  if (parts) rememberRecordBytes(records, parts);
  return { request: client.requestPayload(statement), records };
}

export async function fetchCount(client: QboClient, target: QueryTarget, options?: QueryCallOptions): Promise<number> {
  const body = await client.postQuery(buildCount(target), options);
  return readCount(body, target.entity.qboEntity);
}

export type { EntityDefinition };
