/** Any JSON string content written through the API is stored and served back exactly as sent. */
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { plant, sandboxWrite } from '../helpers/plant';
import { accessToken, query } from './client';

const TRICKY = [
  'Café ☕ 😀 日本語 Ελληνικά',
  'quote " backslash \\ slash / tab \t newline \n return \r',
  'nul \u0000 in the middle',
  'lone high surrogate \ud800 at the end \ud800',
  '\udc00 lone low surrogate first',
  'reversed pair \udc00\ud800',
  'controls \u0001\u001f\u007f\u0080\u009f',
  'separators \u2028 and \u2029',
  'bom \ufeff zero-width \u200b rtl \u202e',
  '  leading and trailing spaces  ',
];

/** What Python's json.dumps (ensure_ascii) sends: every non-ASCII code unit as a \uXXXX escape. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

describe.each([false, true])('with prerender %s', (prerender) => {
  let qbo: SandboxHandle;
  let token: string;

  beforeEach(async () => {
    qbo = await startSandbox({ seed: 3, customers: 20, items: 10, invoices: 50, prerender });
    token = await accessToken(qbo);
  });
  afterEach(() => qbo.close());

  async function served(entity: string, id: string): Promise<string[]> {
    const q = await query(qbo, `SELECT * FROM ${entity} WHERE Id = '${id}'`, { token });
    const r = await fetch(`${qbo.baseUrl}/v3/company/${qbo.realmId}/${entity.toLowerCase()}/${id}`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
    });
    return [q.text, await r.text()];
  }

  test('customer names and notes round-trip byte for byte through create, query, read and ground truth', async () => {
    for (const [k, name] of TRICKY.entries()) {
      const notes = TRICKY.join(' | ') + k;
      const w = await sandboxWrite(qbo, token, 'Customer', { DisplayName: name, Notes: notes, CompanyName: name });
      expect(w.status).toBe(200);
      const id = w.json.Customer.Id as string;
      for (const text of [w.text, ...(await served('Customer', id))]) {
        expect(text).toContain(`"DisplayName":${JSON.stringify(name)}`);
        expect(text).toContain(`"Notes":${JSON.stringify(notes)}`);
        expect(text).toContain(`"CompanyName":${JSON.stringify(name)}`);
      }
      const [q] = await served('Customer', id);
      expect(JSON.parse(q).QueryResponse.Customer[0]).toMatchObject({ DisplayName: name, Notes: notes, CompanyName: name });
      expect([...qbo.groundTruth('Customer')].find((c) => c.Id === id)).toMatchObject({ DisplayName: name, Notes: notes });
    }
  });

  test('strings sent with every non-ASCII character escaped (as Python sends them) are stored as the same strings', async () => {
    const itemId = ([...qbo.groundTruth('Item')].find((i) => i.Active && i.Type !== 'Category') as any).Id;
    const customer = await plant(qbo, token, 'Customer', { DisplayName: 'Escaped Ltd' });
    const body = {
      CustomerRef: { value: customer.Id },
      PrivateNote: TRICKY.join('\n'),
      CustomField: [{ DefinitionId: '1', Name: 'Crew #', Type: 'StringType', StringValue: TRICKY[3] }],
      Line: TRICKY.map((d) => ({ Amount: 1, Description: d, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: itemId } } })),
    };
    const w = await sandboxWrite(qbo, token, 'Invoice', asciiJson(body));
    expect(w.status).toBe(200);
    const [q, read] = await served('Invoice', w.json.Invoice.Id);
    for (const text of [w.text, q, read]) {
      const inv = text === q ? JSON.parse(text).QueryResponse.Invoice[0] : JSON.parse(text).Invoice;
      expect(inv.PrivateNote).toBe(body.PrivateNote);
      expect(inv.CustomField[0].StringValue).toBe(TRICKY[3]);
      expect(inv.Line.slice(0, TRICKY.length).map((l: any) => l.Description)).toEqual(TRICKY);
      expect(text).toContain(JSON.stringify(body.PrivateNote));
    }
  });
});
