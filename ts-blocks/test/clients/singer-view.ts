/**
 * What a Singer tap's record looks like after singer-python's Transformer (6.1.1) applied the stream's JSON schema,
 * its documented transformation: properties the schema does not list are dropped, `date-time` strings become
 * UTC `YYYY-MM-DDTHH:MM:SS.ffffffZ`, `singer.decimal` numbers become decimal strings, other values are cast to the
 * schema's first type that takes it (`null` tried last). Used to compare a tap's RECORD messages with the sandbox's ground truth.
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

/** One type of the schema's list applied to a value, as singer's `_transform` does; undefined = does not apply. */
function asType(value: unknown, type: string, schema: JsonSchema): { value: unknown } | undefined {
  if (type === 'object') {
    if (typeof value !== 'object' || Array.isArray(value)) return undefined;
    if (schema.properties === undefined) return { value };
    const props = schema.properties;
    const kept = Object.entries(value as object).filter(([k]) => k in props);
    return { value: Object.fromEntries(kept.map(([k, v]) => [k, singerView(v, props[k])])) };
  }
  if (type === 'array') return Array.isArray(value) ? { value: value.map((v) => singerView(v, schema.items ?? {})) } : undefined;
  if (typeof value === 'object') return undefined;
  if (type === 'string') return { value: String(value) };
  if (type === 'integer' || type === 'number') return Number.isFinite(Number(value)) ? { value: Number(value) } : undefined;
  if (type === 'boolean') return { value: Boolean(value) };
  return undefined;
}

export function singerView(value: unknown, schema: JsonSchema): unknown {
  if (value === null || value === undefined || schema.type === undefined) return value;
  if (schema.format === 'date-time') return singerDateTime(String(value));
  if (schema.format === 'singer.decimal') return String(value);
  const typeList = types(schema).filter((t) => t !== 'null');
  for (const t of typeList) {
    const done = asType(value, t, schema);
    if (done) return done.value;
  }
  return null;
}
