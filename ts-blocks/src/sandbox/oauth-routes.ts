/** HTTP face of the OAuth service: token, revoke, and the discovery document some SDKs fetch first. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from './http-util';
import type { SandboxState } from './state';

export const TOKEN_PATH = '/oauth2/v1/tokens/bearer';
export const REVOKE_PATH = '/oauth2/v1/tokens/revoke';
export const DISCOVERY_PATHS = ['/.well-known/openid_configuration', '/.well-known/openid-configuration'];

export function discoveryDocument(baseUrl: string): Record<string, unknown> {
  return {
    issuer: baseUrl,
    authorization_endpoint: `${baseUrl}/connect/oauth2`,
    token_endpoint: `${baseUrl}${TOKEN_PATH}`,
    userinfo_endpoint: `${baseUrl}/v1/openid_connect/userinfo`,
    revocation_endpoint: `${baseUrl}${REVOKE_PATH}`,
    jwks_uri: `${baseUrl}/oauth2/v1/keys`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'email', 'profile', 'address', 'phone', 'com.intuit.quickbooks.accounting'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    claims_supported: ['aud', 'exp', 'iat', 'iss', 'realmid', 'sub'],
  };
}

export async function handleToken(state: SandboxState, req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): Promise<void> {
  state.stats.arrive('token');
  const reply = (status: number, body: unknown): void => {
    state.stats.sent(status);
    sendJson(res, status, body, { 'Cache-Control': 'no-cache, no-store', Pragma: 'no-cache', ...headers });
  };
  if (req.method !== 'POST') return reply(405, { error: 'invalid_request', error_description: 'POST only' });
  const form = new URLSearchParams(await readBody(req));
  const hard = String(req.headers['x-include-refresh-token-hard-expires-in'] ?? '').toLowerCase() === 'true';
  const out = state.tokens.token(req.headers.authorization, form, hard);
  reply(out.status, out.body);
}

export async function handleRevoke(state: SandboxState, req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): Promise<void> {
  state.stats.arrive('token');
  const text = await readBody(req);
  let token: string | undefined;
  try {
    token = (JSON.parse(text) as { token?: string }).token;
  } catch {
    token = new URLSearchParams(text).get('token') ?? undefined;
  }
  const form = new URLSearchParams();
  if (!state.tokens.authenticate(req.headers.authorization, form)) {
    state.stats.sent(401);
    return sendJson(res, 401, { error: 'invalid_client' }, headers);
  }
  const status = token && state.tokens.revoke(token) ? 200 : 400;
  state.stats.sent(status);
  sendJson(res, status, status === 200 ? {} : { error: 'invalid_request' }, headers);
}
