/** Throw-away credentials shaped like Intuit's, random per start (never derived from the seed). */
import { randomBytes, randomUUID } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomText(length: number, alphabet = ALNUM): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

/** `AB` + 48 characters, like a production client id. */
export function newClientId(): string {
  return `AB${randomText(48)}`;
}

export function newClientSecret(): string {
  return randomText(40);
}

/** `RT1-123-H0-1745612345abc…`: Intuit's refresh-token shape. */
export function newRefreshToken(nowMs: number): string {
  const digits = '0123456789';
  return `RT1-${randomText(3, digits)}-H0-${Math.floor(nowMs / 1000)}${randomText(20, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT-shaped bearer token (header.payload.signature); the sandbox validates it by lookup, not signature. */
export function newAccessToken(realmId: string, nowMs: number, ttlSec: number): string {
  const iat = Math.floor(nowMs / 1000);
  const header = b64url({ alg: 'HS256', typ: 'JWT', kid: 'qbo-sandbox' });
  const payload = b64url({ iss: 'qbo-sandbox', realmid: realmId, iat, exp: iat + ttlSec, jti: randomUUID() });
  return `${header}.${payload}.${randomBytes(32).toString('base64url')}`;
}

/** Intuit's transaction id header value, e.g. `1-628f0be4-19ed5ea63980105102b16b1e`. */
export function newIntuitTid(nowMs: number): string {
  return `1-${Math.floor(nowMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}
