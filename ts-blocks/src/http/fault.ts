/**
 * QBO error bodies. The API answers faults as JSON (`{"Fault":{"Error":[{"Message","Detail","code"}],"type"}}`,
 * sometimes with lower-case keys) or, for throttling in particular, as XML even when JSON was asked for
 * (`<Fault type="…"><Error code="3001"><Message>…</Message><Detail>…</Detail></Error></Fault>`). The OAuth
 * endpoint answers `{"error":"invalid_grant","error_description":"…"}`.
 */
export interface QboFault {
  readonly code?: string;
  readonly message?: string;
  readonly detail?: string;
  readonly type?: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);

/** Reads a key case-insensitively (`Fault`/`fault`, `Message`/`message`). */
function pick(obj: Json, key: string): unknown {
  const found = Object.keys(obj).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : obj[found];
}

function fromJson(body: Json): QboFault | undefined {
  const fault = pick(body, 'Fault');
  if (isObject(fault)) {
    const errors = pick(fault, 'Error');
    const first = Array.isArray(errors) ? errors.find(isObject) : isObject(errors) ? errors : undefined;
    return {
      code: first ? str(pick(first, 'code')) : undefined,
      message: first ? str(pick(first, 'Message')) : undefined,
      detail: first ? str(pick(first, 'Detail')) : undefined,
      type: str(pick(fault, 'type')),
    };
  }
  const error = str(body.error);
  if (error !== undefined) return { code: error, message: str(body.error_description) };
  return undefined;
}

const xmlText = (xml: string, tag: string): string | undefined => {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'i').exec(xml);
  return m ? m[1]!.trim() : undefined;
};

function fromXml(xml: string): QboFault | undefined {
  if (!/<Fault[\s>]/i.test(xml)) return undefined;
  const errorTag = /<Error\b[^>]*\bcode="([^"]*)"/i.exec(xml);
  const typeAttr = /<Fault\b[^>]*\btype="([^"]*)"/i.exec(xml);
  return { code: errorTag?.[1], message: xmlText(xml, 'Message'), detail: xmlText(xml, 'Detail'), type: typeAttr?.[1] };
}

/** Extracts the fault from a response body (object, JSON text or XML text); undefined when there is none. */
export function parseFault(body: unknown): QboFault | undefined {
  if (isObject(body)) return fromJson(body);
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) return undefined;
  const text = String(body).trim();
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      return isObject(parsed) ? fromJson(parsed) : undefined;
    } catch {
      return undefined;
    }
  }
  return text.startsWith('<') ? fromXml(text) : undefined;
}

/** `code 4000: Error parsing query (QueryParserError: …)`, short and log-safe after sanitising. */
export function describeFault(fault: QboFault | undefined): string {
  if (!fault) return '';
  const detail = fault.detail && fault.detail !== fault.message ? ` (${fault.detail.slice(0, 300)})` : '';
  const code = fault.code ? `code ${fault.code}: ` : '';
  return `${code}${fault.message ?? 'no message'}${detail}`;
}
