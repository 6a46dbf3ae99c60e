import { parseKeepingText, rawTextOf, recordJson, recordTexts, rememberRecordTexts } from '../../src/query/raw-json';
import type { QboRecord } from '../../src/spool/types';

const records = [
  { Id: '1', SyncToken: '0', MetaData: { LastUpdatedTime: '2024-01-01T00:00:00-08:00' }, Note: 'a "quoted" } ] , text \\ with [brackets]' },
  { Id: '22', Line: [{ Amount: 1.5, Detail: { Ref: { value: '3', name: 'x{' } } }, { Amount: -2e3 }], Active: true, Empty: null },
];

function answer(text: string) {
  const body = parseKeepingText(text) as Record<string, unknown>;
  const list = (body.QueryResponse as Record<string, unknown>).Invoice as QboRecord[];
  return { body, list };
}

describe('records as QBO sent them', () => {
  test('are cut out of the answer exactly, whatever their strings hold', () => {
    const text = JSON.stringify({ QueryResponse: { startPosition: 1, Invoice: records, maxResults: 2 }, time: 't' });
    const { body, list } = answer(text);
    expect(rawTextOf(body)).toBe(text);
    expect(recordTexts(text, 'Invoice', list)).toEqual(records.map((r) => JSON.stringify(r)));
  });

  test('are found with spaces between tokens and keys in any order', () => {
    const text = `{ "time" : "t" , "QueryResponse" : { "maxResults":2, "Invoice" : [ ${JSON.stringify(records[0])} , ${JSON.stringify(records[1])} ] } }`;
    const { list } = answer(text);
    expect(recordTexts(text, 'Invoice', list)).toEqual(records.map((r) => JSON.stringify(r)));
  });

  test('are not used when a record spans lines, or the cut does not match the parsed records', () => {
    const pretty = JSON.stringify({ QueryResponse: { Invoice: records } }, null, 2);
    expect(recordTexts(pretty, 'Invoice', answer(pretty).list)).toBeUndefined();
    const text = JSON.stringify({ QueryResponse: { Invoice: records } });
    expect(recordTexts(text, 'Invoice', [...answer(text).list].reverse())).toBeUndefined();
    expect(recordTexts(text, 'Invoice', answer(text).list.slice(1))).toBeUndefined();
    expect(recordTexts(text, 'Customer', answer(text).list)).toBeUndefined();
  });

  test('are written for the records they were cut for; any other record is serialised', () => {
    const text = JSON.stringify({ QueryResponse: { Invoice: [{ Id: '5', A: 1 }] } }).replace('"A":1', '"A":1.0');
    const { list } = answer(text);
    rememberRecordTexts(list, recordTexts(text, 'Invoice', list)!);
    expect(recordJson(list[0]!)).toBe('{"Id":"5","A":1.0}');
    expect(recordJson({ Id: '5', A: 1 } as unknown as QboRecord)).toBe('{"Id":"5","A":1}');
  });

  test('only query answers keep their text (a token answer carries credentials), and non-JSON stays text', () => {
    expect(rawTextOf(parseKeepingText('{"access_token":"x"}') as object)).toBeUndefined();
    expect(parseKeepingText('<IntuitResponse/>')).toBe('<IntuitResponse/>');
    expect(parseKeepingText('')).toBe('');
  });
});
