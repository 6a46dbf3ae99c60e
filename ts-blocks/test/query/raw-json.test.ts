import { parseKeepingBytes, rawBytesOf, recordBytes, recordJson, rememberRecordBytes } from '../../src/query/raw-json';
import type { QboRecord } from '../../src/spool/types';

const records = [
  { Id: '1', SyncToken: '0', MetaData: { LastUpdatedTime: '2024-01-01T00:00:00-08:00' }, Note: 'a "quoted" } ] , text \\ with [brackets]' },
  { Id: '22', Line: [{ Amount: 1.5, Detail: { Ref: { value: '3', name: 'x{ é 日本 😀' } } }, { Amount: -2e3 }], Active: true, Empty: null },
];

function answer(text: string) {
  const body = parseKeepingBytes(Buffer.from(text)) as Record<string, unknown>;
  const list = (body.QueryResponse as Record<string, unknown>).Invoice as QboRecord[];
  return { body, list };
}

const strings = (parts: Buffer[] | undefined) => parts?.map((p) => p.toString('utf8'));

describe('records as QBO sent them', () => {
  test('are cut out of the answer exactly, whatever their strings hold (UTF-8 included)', () => {
    const text = JSON.stringify({ QueryResponse: { startPosition: 1, Invoice: records, maxResults: 2 }, time: 't' });
    const { body, list } = answer(text);
    expect(rawBytesOf(body)?.toString('utf8')).toBe(text);
    expect(list).toEqual(records);
    expect(strings(recordBytes(rawBytesOf(body)!, 'Invoice', list))).toEqual(records.map((r) => JSON.stringify(r)));
  });

  test('are found with spaces between tokens and keys in any order', () => {
    const text = `{ "time" : "t" , "QueryResponse" : { "maxResults":2, "Invoice" : [ ${JSON.stringify(records[0])} , ${JSON.stringify(records[1])} ] } }`;
    const { body, list } = answer(text);
    expect(strings(recordBytes(rawBytesOf(body)!, 'Invoice', list))).toEqual(records.map((r) => JSON.stringify(r)));
  });

  test('are not used when a record spans lines, or the cut does not match the parsed records', () => {
    const pretty = JSON.stringify({ QueryResponse: { Invoice: records } }, null, 2);
    expect(recordBytes(Buffer.from(pretty), 'Invoice', answer(pretty).list)).toBeUndefined();
    const text = JSON.stringify({ QueryResponse: { Invoice: records } });
    const bytes = Buffer.from(text);
    expect(recordBytes(bytes, 'Invoice', [...answer(text).list].reverse())).toBeUndefined();
    expect(recordBytes(bytes, 'Invoice', answer(text).list.slice(1))).toBeUndefined();
    expect(recordBytes(bytes, 'Customer', answer(text).list)).toBeUndefined();
  });

  test('are written for the records they were cut for; any other record is serialised', () => {
    const text = JSON.stringify({ QueryResponse: { Invoice: [{ Id: '5', A: 1 }] } }).replace('"A":1', '"A":1.0');
    const { body, list } = answer(text);
    rememberRecordBytes(list, recordBytes(rawBytesOf(body)!, 'Invoice', list)!);
    expect(recordJson(list[0]!).toString()).toBe('{"Id":"5","A":1.0}');
    expect(JSON.stringify(list[0])).toBe('{"Id":"5","A":1}'); // the bytes ride along unseen
    expect(recordJson({ Id: '5', A: 1 } as unknown as QboRecord)).toBe('{"Id":"5","A":1}');
  });

  test('only query answers keep their bytes (a token answer carries credentials); non-JSON is returned as text', () => {
    const token = parseKeepingBytes(Buffer.from('{"access_token":"x"}')) as object;
    expect(token).toEqual({ access_token: 'x' });
    expect(rawBytesOf(token)).toBeUndefined();
    expect(parseKeepingBytes(Buffer.from('<IntuitResponse/>'))).toBe('<IntuitResponse/>');
    expect(parseKeepingBytes(Buffer.alloc(0))).toBe('');
    expect(parseKeepingBytes('{"QueryResponse":{}}')).toEqual({ QueryResponse: {} });
  });
});
