/**
 * Minimal XML rendering of QBO responses, for clients that do not ask for JSON (QBO answers XML by default).
 * Objects become nested elements, arrays repeated elements, references `<CustomerRef name="…">12</CustomerRef>`.
 */
const HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';
const NS = 'http://schema.intuit.com/finance/v3';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

function isRef(v: Record<string, unknown>): boolean {
  const keys = Object.keys(v);
  return keys.includes('value') && keys.every((k) => k === 'value' || k === 'name' || k === 'type');
}

export function element(name: string, value: unknown, attrs: Record<string, string | number | boolean> = {}): string {
  if (Array.isArray(value)) return value.map((v) => element(name, v)).join('');
  const attrText = (a: Record<string, unknown>): string =>
    Object.entries(a).map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join('');
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return `<${name}${attrText(attrs)}>${escapeXml(String(value))}</${name}>`;
  const o = value as Record<string, unknown>;
  if (isRef(o)) {
    const { value: v, ...rest } = o;
    return `<${name}${attrText({ ...attrs, ...rest })}>${escapeXml(String(v))}</${name}>`;
  }
  const { domain, sparse, ...fields } = o;
  const own = domain === undefined ? attrs : { ...attrs, domain: String(domain), sparse: String(sparse) };
  const inner = Object.entries(fields).map(([k, v]) => element(k, v)).join('');
  return `<${name}${attrText(own)}>${inner}</${name}>`;
}

/** `<IntuitResponse time="…">inner</IntuitResponse>` with the XML header. */
export function intuitResponse(time: string, inner: string): string {
  return `${HEADER}\n<IntuitResponse xmlns="${NS}" time="${escapeXml(time)}">${inner}</IntuitResponse>`;
}

/** `<Fault type="…"><Error code="…"><Message>…</Message><Detail>…</Detail></Error></Fault>`. */
export function faultElement(type: string, code: string, message: string, detail?: string): string {
  const detailXml = detail ? `<Detail>${escapeXml(detail)}</Detail>` : '';
  return `<Fault type="${escapeXml(type)}"><Error code="${escapeXml(code)}"><Message>${escapeXml(message)}</Message>${detailXml}</Error></Fault>`;
}

export function faultXml(time: string, type: string, code: string, message: string, detail?: string): string {
  return intuitResponse(time, faultElement(type, code, message, detail));
}
