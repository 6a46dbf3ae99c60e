/** node-quickbooks, unchanged, pointed at a sandbox (its V3_ENDPOINT_BASE_URL and TOKEN_URL), and its callbacks as promises. */
import QuickBooks from 'node-quickbooks';
import type { SandboxHandle } from '../../src/sandbox';

/** A node-quickbooks client for the sandbox's realm, holding no access token yet (refreshAccessToken gets one). */
export function nodeQuickbooks(qbo: SandboxHandle): any {
  (QuickBooks as any).V3_ENDPOINT_BASE_URL = `${qbo.baseUrl}/v3/company/`;
  (QuickBooks as any).TOKEN_URL = qbo.tokenUrl;
  return new (QuickBooks as any)(qbo.clientId, qbo.clientSecret, 'no-access-token-yet', false, qbo.realmId, true, false, 75, '2.0', qbo.refreshToken);
}

/** One node-quickbooks call (node-style callback) as a promise. */
export const call = <T = any>(fn: (cb: (err: unknown, data: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((err, data) => (err ? reject(err) : resolve(data))));
