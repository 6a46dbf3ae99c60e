/**
 * What a Singer tap's record looks like after singer-python's Transformer (6.1.1) applied the stream's JSON schema,
 * its documented transformation: properties the schema does not list are dropped, `date-time` strings become
 * UTC `YYYY-MM-DDTHH:MM:SS.ffffffZ`, `singer.decimal` numbers become decimal strings, other values are cast to the
 * schema's first non-null type. Used to compare a tap's RECORD messages with the sandbox's ground truth.
 */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly format?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly items?: JsonSchema;
}

function types(schema: JsonSchema): string[] {
  return schema.type === undefined ? [] : typeof schema.type === 'string' ? [schema.type] : [...schema.type];
}

function singerDateTime(value: string): string {
  return new Date(Date.parse(value)).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function asString(value: unknown, format: string | undefined): string {
  if (format === 'date-time') return singerDateTime(String(value));
  return String(value);
}

export function singerView(value: unknown, schema: JsonSchema): unknown {
  if (value === null || value === undefined) return value;
  const t = types(schema);
  if (t.length === 0 && schema.properties === undefined) return value;
  if (Array.isArray(value)) return t.includes('array') && schema.items ? value.map((v) => singerView(v, schema.items as JsonSchema)) : value;
  if (typeof value === 'object') {
    if (schema.properties === undefined) return value;
    const props = schema.properties;
    return Object.fromEntries(Object.entries(value).filter(([k]) => k in props).map(([k, v]) => [k, singerView(v, props[k])]));
  }
  const first = t.find((x) => x !== 'null');
  if (first === 'string') return asString(value, schema.format);
  if (first === 'integer' || first === 'number') return Number(value);
  if (first === 'boolean') return Boolean(value);
  return value;
}
