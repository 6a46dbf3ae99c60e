/**
 * The QBO Accounting API routes under /v3/company/{realmId}/: query (GET ?query= or POST application/text),
 * cdc, read-by-id, companyinfo/{realmId}, writes (POST /{entity}, see writes/) and batch. Every request passes, in order: live updates
 * due, per-realm limits (429; a batch also counts toward its own 40 a minute and weighs one per item), latency,
 * injected faults, bearer-token check (401 Fault 3200; 403 3100 for another realm), then the handler. A write or
 * batch sent again with the same `requestid` gets the first answer again without being applied twice.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BATCH_REQUESTS_PER_MIN, batchReply, batchWeight } from './batch';
import { cdcResponse } from './cdc';
import { companyInfoPayload } from './company-info';
import type { Payload } from './generator/company';
import { RealmLimiter } from './limits';
import { bearerToken, readBody, send, wantsJson } from './http-util';
import { canonicalEntity, executeQuery } from './query/evaluate';
import { SANDBOX_ENTITIES, type SandboxEntity } from './options';
import { QueryFault, parseFault } from './query/errors';
import { parseQuery } from './query/parser';
import {
  authFaultReply, entityReply, forbiddenReply, notFoundReply, queryFaultReply, queryReply, systemFaultReply,
  throttleReply, unavailableReply, writeFaultReply, type Reply,
} from './replies';
import type { SandboxState } from './state';
import type { EndpointKind } from './stats';
import { formatZoned } from './time';
import { applyWrite } from './writes/apply';
import { parseJsonBody, writeRequest } from './writes/request';

const PATH = /^\/v3\/company\/([^/]+)\/([^/?]+)(?:\/([^/?]+))?\/?$/;

interface ApiRequest {
  readonly realm: string;
  readonly kind: EndpointKind;
  readonly resource: string;
  readonly id?: string;
  readonly sql?: string;
  /** The entity a query names (`FROM <Entity>`), for the per-entity counters. */
  readonly entity?: string;
  /** A write's entity. */
  readonly target?: SandboxEntity;
  /** A write's or batch's body. */
  readonly body?: string;
  /** How many requests it counts as toward the per-minute limit (a batch: its items). */
  readonly weight: number;
}

const REMEMBERED_REQUEST_IDS = 10_000;

export function isApiPath(pathname: string): boolean {
  return PATH.test(pathname);
}

async function describe(req: IncomingMessage, url: URL): Promise<ApiRequest> {
  const [, realm, resource, id] = PATH.exec(url.pathname) as RegExpExecArray;
  if (resource.toLowerCase() === 'query') {
    const sql = req.method === 'POST' ? await readBody(req) : (url.searchParams.get('query') ?? '');
    const kind = /^\s*select\s+count\s*\(/i.test(sql) ? 'count' : 'query';
    const entity = /\bfrom\s+([A-Za-z]+)/i.exec(sql)?.[1];
    return { realm, kind, resource, sql, entity: SANDBOX_ENTITIES.find((e) => e.toLowerCase() === entity?.toLowerCase()), weight: 1 };
  }
  if (resource.toLowerCase() === 'cdc') return { realm, kind: 'cdc', resource, weight: 1 };
  const target = SANDBOX_ENTITIES.find((e) => e.toLowerCase() === resource.toLowerCase());
  if (req.method === 'POST' && !id && target) return { realm, kind: 'write', resource, target, body: await readBody(req), weight: 1 };
  if (req.method === 'POST' && !id && resource.toLowerCase() === 'batch') {
    const body = await readBody(req);
    return { realm, kind: 'batch', resource, body, weight: batchWeight(body) };
  }
  return { realm, kind: id ? 'read' : 'other', resource, id, weight: 1 };
}

export class QboApi {
  private readonly batchLimiter = new RealmLimiter();
  /** Answers to writes and batches by `requestid`, oldest first. */
  private readonly answered = new Map<string, Reply>();

  constructor(private readonly state: SandboxState) {}

  /** Admits the request under the realm's limits (and a batch under the batch limit), or says no. */
  private admit(api: ApiRequest): boolean {
    const s = this.state;
    const now = s.now();
    if (!s.limiter.admits(now, s.faults.rateLimitPerMin, s.faults.maxInFlight, api.weight)) return false;
    if (api.kind === 'batch') {
      if (!this.batchLimiter.tryAcquire(now, BATCH_REQUESTS_PER_MIN, Infinity)) return false;
      this.batchLimiter.release(); // batches have a per-minute window of their own, no concurrency cap of their own
    }
    return s.limiter.tryAcquire(now, s.faults.rateLimitPerMin, s.faults.maxInFlight, api.weight);
  }

  private time(): string {
    return formatZoned(this.state.now(), this.state.company.zone, true);
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, headers: Record<string, string>): Promise<void> {
    const s = this.state;
    const api = await describe(req, url);
    const asJson = wantsJson(req, url);
    s.stats.arrive(api.kind, api.entity);
    const left = s.load.arrive(s.now(), api.weight);
    try {
      await this.serve(req, res, url, headers, api, asJson);
    } finally {
      left();
    }
  }

  /** Answers one API request, counted by the load meter from arrival to answer. */
  private async serve(req: IncomingMessage, res: ServerResponse, url: URL, headers: Record<string, string>, api: ApiRequest, asJson: boolean): Promise<void> {
    const s = this.state;
    s.tick();
    const reply = (r: Reply): void => {
      s.stats.sent(r.status, r.rows, api.entity);
      send(res, r, headers);
    };
    if (!this.admit(api)) {
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
      const building = s.options.elapsedMs();
      const result = this.dispatch(req, url, api, asJson);
      if (result.rows && f.latencyPerRowMs > 0) {
        // The page is built and encoded within its per-row latency, as QBO's own work is part of what a client
        // waits for: the client sees the modelled latency (what the benchmark's API floor assumes), not the model
        // plus the time this machine took to render the rows.
        const encoded: Reply = typeof result.body === 'string' ? { ...result, body: Buffer.from(result.body) } : result;
        const left = result.rows * f.latencyPerRowMs - (s.options.elapsedMs() - building);
        if (left > 0) await s.options.sleep(left);
        return reply(encoded);
      }
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
      if (api.kind === 'write' || api.kind === 'batch') return this.remembered(url, () => this.write(url, api, asJson));
      return notFoundReply(`unsupported resource ${api.resource}`, this.time(), asJson);
    } catch (e) {
      if (e instanceof QueryFault) return queryFaultReply(e, this.time(), asJson);
      throw e;
    }
  }

  /** QBO's idempotency: the answer given to a `requestid` is given again, and the write is not repeated. */
  private remembered(url: URL, answer: () => Reply): Reply {
    const id = url.searchParams.get('requestid');
    const earlier = id ? this.answered.get(id) : undefined;
    if (earlier) return earlier;
    const reply = answer();
    if (id) {
      this.answered.set(id, reply);
      if (this.answered.size > REMEMBERED_REQUEST_IDS) this.answered.delete(this.answered.keys().next().value as string);
    }
    return reply;
  }

  private write(url: URL, api: ApiRequest, asJson: boolean): Reply {
    const s = this.state;
    if (api.kind === 'batch') return batchReply(s, api.body ?? '', this.time(), asJson);
    const entity = api.target as SandboxEntity;
    try {
      const w = writeRequest(entity, url.searchParams.get('operation'), parseJsonBody(api.body ?? ''));
      return entityReply(entity, applyWrite(s.company, w, s.now(), s.rng), this.time(), asJson);
    } catch (e) {
      if (e instanceof QueryFault) return writeFaultReply(e, this.time(), asJson);
      throw e;
    }
  }

  private read(api: ApiRequest, asJson: boolean): Reply {
    const info = api.resource.toLowerCase() === 'companyinfo';
    if (info && api.id !== this.state.realmId) return notFoundReply(`CompanyInfo ${api.id}`, this.time(), asJson);
    const [entity, payload] = info ? ['CompanyInfo', this.companyInfo()] : this.record(api);
    if (payload === undefined) return notFoundReply(`${entity} ${api.id}`, this.time(), asJson);
    return entityReply(entity, payload, this.time(), asJson);
  }

  private record(api: ApiRequest): [string, Payload | undefined] {
    const entity = canonicalEntity(api.resource);
    const t = this.state.company.table(entity);
    const i = t.indexOfId(Number(api.id));
    return [entity, i < 0 || !t.exists(i) ? undefined : this.state.company.payload(entity, i)];
  }

  private companyInfo(): Payload {
    const s = this.state;
    return companyInfoPayload(s.realmId, Date.parse(s.options.historyStart), s.company.zone);
  }
}
