/** Comparing what a client library returns with the sandbox's ground truth, allowing only its own additions. */
import { isDeepStrictEqual } from 'node:util';

/** A value a client fills in by default for a property the server did not send (None is dropped before JSON). */
function isDefaultLike(v: unknown): boolean {
  if (v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.values(v as object).every(isDefaultLike);
  return false;
}

/**
 * `client` without the properties it added with default values where `truth` has none (python-quickbooks'
 * `to_json()` writes every attribute of its classes: `"Notes": ""`, `"LinkedTxn": []`, …). Every other
 * difference is kept, so `expect(withoutClientDefaults(c, t)).toEqual(t)` fails on any changed or added value.
 * `defaults`: what the client's class writes for a fresh object (`Invoice().to_json()`: `"ExchangeRate": 1`, …);
 * a top-level property the server did not send may carry exactly that value.
 */
export function withoutClientDefaults(client: unknown, truth: unknown, defaults: Readonly<Record<string, unknown>> = {}): unknown {
  if (Array.isArray(client) && Array.isArray(truth)) return client.map((c, i) => withoutClientDefaults(c, truth[i]));
  if (!client || typeof client !== 'object' || !truth || typeof truth !== 'object' || Array.isArray(truth)) return client;
  const t = truth as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(client as Record<string, unknown>)) {
    if (k in t) out[k] = withoutClientDefaults(v, t[k]);
    else if (!isDefaultLike(v) && !(k in defaults && isDeepStrictEqual(v, defaults[k]))) out[k] = v;
  }
  return out;
}
