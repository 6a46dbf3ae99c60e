/**
 * payload_sha256 of raw.qb_<entity>: the lower-case hex SHA-256 of the UTF-8 text PostgreSQL prints for the stored
 * jsonb payload (`payload::text`: object keys in jsonb's order, shorter first then bytewise, `": "` and `", "` as
 * separators). Two payloads hash alike exactly when they are the same JSON value (key order, whitespace and
 * duplicate keys as received do not matter). PostgreSQL computes it while merging (store/merge.ts), so the exporter
 * does no JSON canonicalisation or hashing in Node, and anyone can re-derive it from a stored row:
 *
 *   SELECT id FROM raw.qb_invoices WHERE encode(sha256(convert_to(payload::text, 'UTF8')), 'hex') <> payload_sha256;
 *
 * The one exception: a row stored by the unstorable rule (payload_repaired, store/unstorable.ts) hashes QBO's exact
 * text instead (computed in Node), so the query above lists exactly those rows.
 */
export function payloadSha256Sql(jsonb: string): string {
  return `encode(sha256(convert_to((${jsonb})::text, 'UTF8')), 'hex')`;
}
