/**
 * The QBO Accounting API routes under /v3/company/{realmId}/: query (GET ?query= or POST application/text),
 * cdc, and read-by-id. Every request passes, in order: live updates due, per-realm limits (429), latency,
 * injected faults, bearer-token check (401 Fault 3200; 403 3100 for another realm), then the handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cdcResponse } from './cdc';
import { bearerToken, readBody, send, wantsJson } from './http-util';
import { canonicalEntity, executeQuery } from './query/evaluate';
import { SANDBOX_ENTITIES } from './options';
import { QueryFault, parseFault } from './query/errors';
import { parseQuery } from './query/parser';
import {
  authFaultReply, forbiddenReply, notFoundReply, queryFaultReply, queryReply, systemFaultReply, throttleReply,
  unavailableReply, type Reply,
} from './replies';
import type { SandboxState } from './state';
import type { EndpointKind } from './stats';
import { formatZoned } from './time';
import { element, intuitResponse } from './xml';

const PATH = /^\/v3\/company\/([^/]+)\/([^/?]+)(?:\/([^/?]+))?\/?$/;

interface ApiRequest {
  readonly realm: string;
  readonly kind: EndpointKind;
  readonly resource: string;
  readonly id?: string;
  readonly sql?: string;
  /** The entity a query names (`FROM <Entity>`), for the per-entity counters. */
  readonly entity?: string;
}

export function isApiPath(pathname: string): boolean {
  return PATH.test(pathname);
}

async function describe(req: IncomingMessage, url: URL): Promise<ApiRequest> {
  const [, realm, resource, id] = PATH.exec(url.pathname) as RegExpExecArray;
  if (resource.toLowerCase() === 'query') {
    const sql = req.method === 'POST' ? await readBody(req) : (url.searchParams.get('query') ?? '');
    const kind = /^\s*select\s+count\s*\(/i.test(sql) ? 'count' : 'query';
    const entity = /\bfrom\s+([A-Za-z]+)/i.exec(sql)?.[1];
    return { realm, kind, resource, sql, entity: SANDBOX_ENTITIES.find((e) => e.toLowerCase() === entity?.toLowerCase()) };
  }
  if (resource.toLowerCase() === 'cdc') return { realm, kind: 'cdc', resource };
  return { realm, kind: id ? 'read' : 'other', resource, id };
}

export class QboApi {
  constructor(private readonly state: SandboxState) {}

  private time(): string {
    return formatZoned(this.state.now(), this.state.company.zone, true);
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, headers: Record<string, string>): Promise<void> {
    const s = this.state;
    const api = await describe(req, url);
    const asJson = wantsJson(req, url);
    s.stats.arrive(api.kind, api.entity);
    const left = s.load.arrive(s.now());
    try {
      await this.admit(req, res, url, headers, api, asJson);
    } finally {
      left();
    }
  }

  private async admit(req: IncomingMessage, res: ServerResponse, url: URL, headers: Record<string, string>, api: ApiRequest, asJson: boolean): Promise<void> {
    const s = this.state;
    s.tick();
    const reply = (r: Reply): void => {
      s.stats.sent(r.status, r.rows, api.entity);
      send(res, r, headers);
    };
    if (!s.limiter.tryAcquire(s.now(), s.faults.rateLimitPerMin, s.faults.maxInFlight)) {
      return reply(throttleReply(this.time(), asJson && s.faults.throttleFormat === 'json'));
    }
    try {
      const f = s.faults;
      const latency = f.latencyMs + (f.latencyJitterMs > 0 ? s.rng.next() * f.latencyJitterMs : 0);
      if (latency > 0) await s.options.sleep(latency);
      const fault = s.injector.next(f);
      if (fault) s.stats.inject(fault);
      if (fault === 'reset') {
        s.stats.sent('reset');
        req.socket.destroy();
        return;
      }
      if (fault === '429') return reply(throttleReply(this.time(), asJson && f.throttleFormat === 'json'));
      if (fault === '500') return reply(systemFaultReply(this.time(), asJson));
      if (fault === '503') return reply(unavailableReply());
      if (fault === '401') s.tokens.expireAccessTokens();
      const denied = this.authorize(req, api, asJson);
      if (denied) return reply(denied);
      const result = this.dispatch(req, url, api, asJson);
      if (result.rows && f.latencyPerRowMs > 0) await s.options.sleep(result.rows * f.latencyPerRowMs);
      reply(result);
    } finally {
      s.limiter.release();
    }
  }

  private authorize(req: IncomingMessage, api: ApiRequest, asJson: boolean): Reply | undefined {
    const check = this.state.tokens.checkAccess(bearerToken(req));
    if (check !== 'ok') {
      const detail = check === 'expired' ? 'Token expired' : 'Token invalid or unknown';
      return authFaultReply(detail, `${Date.now().toString(16)}-sandbox`, this.time(), asJson);
    }
    if (api.realm !== this.state.realmId) return forbiddenReply(this.time(), asJson);
    return undefined;
  }

  private dispatch(req: IncomingMessage, url: URL, api: ApiRequest, asJson: boolean): Reply {
    const s = this.state;
    try {
      if (api.kind === 'query' || api.kind === 'count') {
        if (req.method !== 'GET' && req.method !== 'POST') throw parseFault('query accepts GET or POST');
        const result = executeQuery(s.company, parseQuery(api.sql ?? ''), s.faults.literalTimeZone);
        return queryReply(result, s.company, this.time(), asJson);
      }
      if (api.kind === 'cdc') {
        const body = cdcResponse(s.company, url.searchParams, s.now(), s.faults.literalTimeZone);
        return { status: 200, contentType: 'application/json;charset=UTF-8', body: JSON.stringify(body) };
      }
      if (api.kind === 'read') return this.read(api, asJson);
      return notFoundReply(`unsupported resource ${api.resource}`, this.time(), asJson);
    } catch (e) {
      if (e instanceof QueryFault) return queryFaultReply(e, this.time(), asJson);
      throw e;
    }
  }

  private read(api: ApiRequest, asJson: boolean): Reply {
    const entity = canonicalEntity(api.resource);
    const t = this.state.company.table(entity);
    const i = t.indexOfId(Number(api.id));
    if (i < 0 || !t.exists(i)) return notFoundReply(`${entity} ${api.id}`, this.time(), asJson);
    const payload = this.state.company.payload(entity, i);
    if (!asJson) {
      const body = intuitResponse(this.time(), element(entity, payload));
      return { status: 200, contentType: 'application/xml;charset=UTF-8', body, rows: 1 };
    }
    const body = JSON.stringify({ [entity]: payload, time: this.time() });
    return { status: 200, contentType: 'application/json;charset=UTF-8', body, rows: 1 };
  }
}
