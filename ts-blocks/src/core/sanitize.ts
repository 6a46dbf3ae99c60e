/**
 * The one sanitiser. Everything that leaves the process as text (events, errors, logs, reports) goes through
 * it. It removes two things:
 *  1. every value registered with `registerSecret` (client secret, refresh/access tokens, DB password, ...),
 *     wherever it appears, also URL-encoded or base64-wrapped in a Basic header;
 *  2. anything that looks like a credential even if nobody registered it: Bearer/Basic headers, JWT-shaped
 *     strings, Intuit refresh tokens (`RT1-…`), `password=`/`secret=`/`token=` pairs, passwords in URLs.
 */
const registered = new Set<string>();
const REDACTED = '[REDACTED]';

/** Register a secret value so it is scrubbed from all output. Values shorter than 4 chars are ignored. */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 4) return;
  registered.add(value);
  registered.add(encodeURIComponent(value));
  longestFirst = undefined;
}

/** Test hook: forget registered values. */
export function clearRegisteredSecrets(): void {
  registered.clear();
  longestFirst = undefined;
}

/** The registered values, longest first (so a secret that contains another is removed whole); sorted once. */
let longestFirst: string[] | undefined;

const PATTERNS: Array<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}(\.[A-Za-z0-9_-]*)?/g, REDACTED],
  [/\bRT1-[A-Za-z0-9-]{10,}/g, REDACTED],
  [/\b(AB|Q0|L0)[A-Za-z0-9]{30,}\b/g, REDACTED],
  [
    /("?(?:access_token|refresh_token|client_secret|password|passwd|pgpassword|secret|authorization)"?\s*[:=]\s*"?)([^"&\s,}]+)/gi,
    `$1${REDACTED}`,
  ],
  [/(\w+:\/\/[^:/@\s]+:)([^@/\s]+)@/g, `$1${REDACTED}@`],
];

/**
 * Text none of PATTERNS can match: each needs one of these (case aside) — a header scheme, a JWT's `eyJ`, an
 * Intuit token prefix, a credential key (`token`, `secret`, `passw`, `authorization`) or a URL's `://`. Most of
 * what a report holds (numbers, dates, ids) skips the six expressions at once.
 */
const MAY_MATCH = /bearer|basic|eyJ|RT1-|AB|Q0|L0|token|secret|passw|authorization|:\/\//i;

export function sanitize(text: string): string {
  let out = text;
  longestFirst ??= [...registered].sort((a, b) => b.length - a.length);
  for (const value of longestFirst) {
    if (out.includes(value)) out = out.split(value).join(REDACTED);
  }
  if (!MAY_MATCH.test(out)) return out;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

/**
 * Deep-sanitises a JSON-able value (returns a new value). Only strings (values and keys) are rewritten, so a
 * secret that happens to look like a number can never corrupt a count; a key/value pair whose key names a
 * credential (`password`, `refresh_token`, ...) has its value redacted whatever its type.
 */
export function sanitizeValue<T>(value: T): T {
  return walk(value) as T;
}

const CREDENTIAL_KEY = /^(access_token|refresh_token|client_secret|password|passwd|pgpassword|secret|authorization)$/i;

function walk(value: unknown): unknown {
  if (typeof value === 'string') return sanitize(value);
  if (Array.isArray(value)) return value.map(walk);
  if (value !== null && typeof value === 'object') {
    const source = typeof (value as { toJSON?: unknown }).toJSON === 'function'
      ? (value as { toJSON: () => unknown }).toJSON()
      : value;
    if (source !== value) return walk(source);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      out[sanitize(k)] = CREDENTIAL_KEY.test(k) && v !== null ? REDACTED : walk(v);
    }
    return out;
  }
  return value;
}
