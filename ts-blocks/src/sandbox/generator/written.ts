/**
 * The payload of a record written through the API: its stored body as it was sent (string values untouched),
 * with what QBO owns taken from the table: Id, SyncToken, MetaData, Active, and the " (deleted)" suffix an inactive
 * name carries.
 */
import { DELETED_SUFFIX, metaData, type Payload } from './common';
import type { EntityTable } from './table';

/** The name fields QBO suffixes with " (deleted)" while a name-list record is inactive. */
export const NAME_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Customer: ['DisplayName', 'FullyQualifiedName'],
  Item: ['Name', 'FullyQualifiedName'],
  Invoice: [],
};

export function writtenPayload(t: EntityTable, i: number, body: Payload, zone: string): Payload {
  const { Id: _id, SyncToken: _token, MetaData: _meta, domain: _domain, sparse: _sparse, ...fields } = body;
  const out: Payload = { Id: String(t.ids[i]), SyncToken: String(t.version[i]), ...fields };
  if (t.entity !== 'Invoice') {
    const active = t.active[i] === 1;
    out.Active = active;
    if (!active) {
      for (const f of NAME_FIELDS[t.entity]) if (typeof out[f] === 'string') out[f] = `${out[f] as string}${DELETED_SUFFIX}`;
    }
  }
  out.MetaData = metaData(t.createTime[i], t.lastUpdated[i], zone);
  out.domain = 'QBO';
  out.sparse = false;
  return out;
}
