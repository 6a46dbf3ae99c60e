/** The sandbox HTTP server: routes QBO API, OAuth and admin requests; admin routes stay under /__sandbox/. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ADMIN_PREFIX, handleAdmin } from './admin';
import { newIntuitTid } from './credentials';
import { sendJson } from './http-util';
import { DISCOVERY_PATHS, REVOKE_PATH, TOKEN_PATH, discoveryDocument, handleRevoke, handleToken } from './oauth-routes';
import { QboApi, isApiPath } from './qbo-api';
import type { SandboxState } from './state';

export function createSandboxServer(state: SandboxState, baseUrl: () => string): Server {
  const api = new QboApi(state);
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const headers = { intuit_tid: newIntuitTid(state.now()) };
    if (url.pathname.startsWith(ADMIN_PREFIX)) return handleAdmin(state, req, res, url);
    if (url.pathname === TOKEN_PATH) return handleToken(state, req, res, headers);
    if (url.pathname === REVOKE_PATH) return handleRevoke(state, req, res, headers);
    if (DISCOVERY_PATHS.includes(url.pathname)) {
      state.stats.arrive('discovery');
      state.stats.sent(200);
      return sendJson(res, 200, discoveryDocument(baseUrl()), headers);
    }
    if (isApiPath(url.pathname)) return api.handle(req, res, url, headers);
    state.stats.arrive('other');
    state.stats.sent(404);
    sendJson(res, 404, { error: `no route ${req.method} ${url.pathname}` }, headers);
  };
  return createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      // A sandbox bug must not look like a QBO answer: plain 500 with the reason, for the developer.
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { error: `sandbox internal error: ${String(e)}` });
      else res.destroy();
    });
  });
}
