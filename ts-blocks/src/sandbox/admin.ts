/**
 * Test-only admin routes, all under /__sandbox/ and never part of QBO's surface (no token needed, not metered):
 *   GET  /__sandbox/ground-truth/{Invoice|Customer|Item}  every existing record (inactive too), NDJSON, Id order
 *   GET  /__sandbox/stats                                   counters (see SandboxStats)
 *   GET  /__sandbox/faults, POST /__sandbox/faults          read / change fault settings (camelCase JSON)
 *   POST /__sandbox/mutate                                  apply one change now ({entity, op?, id?})
 *   GET  /__sandbox/clock, POST /__sandbox/clock            read / set, advance, freeze the sandbox clock
 *                                                           ({set?, offsetMs?, advanceMs?, frozen?}, see clock.ts)
 * Errors are 400 {"error": "<what is wrong and how to fix it>"}; an unknown route is 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isConfigError } from '../core/errors';
import { readBody, sendJson } from './http-util';
import type { SandboxMutation } from './mutations';
import { SANDBOX_ENTITIES, type SandboxEntity } from './options';
import type { SandboxState } from './state';

export const ADMIN_PREFIX = '/__sandbox/';

/** Existing records of an entity in Id order, current version, as QBO would return them. */
export function* groundTruth(state: SandboxState, entity: SandboxEntity): Generator<Record<string, unknown>> {
  const t = state.company.table(entity);
  for (let i = 0; i < t.size; i++) if (t.exists(i)) yield state.company.payload(entity, i);
}

function entityFrom(name: string): SandboxEntity | undefined {
  return SANDBOX_ENTITIES.find((e) => e.toLowerCase() === name.toLowerCase());
}

async function streamGroundTruth(state: SandboxState, entity: SandboxEntity, res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8' });
  let buffer = '';
  for (const record of groundTruth(state, entity)) {
    buffer += `${JSON.stringify(record)}\n`;
    if (buffer.length > 1 << 16) {
      const ok = res.write(buffer);
      buffer = '';
      if (!ok) await new Promise((resolve) => res.once('drain', resolve));
      if (res.destroyed) return;
    }
  }
  res.end(buffer);
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  const value: unknown = text.trim() === '' ? {} : JSON.parse(text);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new SyntaxError('body must be a JSON object');
  return value as Record<string, unknown>;
}

export async function handleAdmin(state: SandboxState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  state.stats.arrive('admin');
  const route = url.pathname.slice(ADMIN_PREFIX.length).replace(/\/$/, '');
  try {
    state.tick();
    if (req.method === 'GET' && route.startsWith('ground-truth/')) {
      const entity = entityFrom(route.slice('ground-truth/'.length));
      if (entity) return await streamGroundTruth(state, entity, res);
      return sendJson(res, 404, { error: `unknown entity; use one of ${SANDBOX_ENTITIES.join(', ')}` });
    }
    if (req.method === 'GET' && route === 'stats') return sendJson(res, 200, state.statsSnapshot());
    if (route === 'faults' && req.method === 'GET') return sendJson(res, 200, state.faults);
    if (route === 'faults' && req.method === 'POST') return sendJson(res, 200, state.setFaults(await jsonBody(req)));
    if (route === 'clock' && req.method === 'GET') return sendJson(res, 200, state.clock.state(state.company.zone));
    if (route === 'clock' && req.method === 'POST') {
      state.clock.change(await jsonBody(req));
      return sendJson(res, 200, state.clock.state(state.company.zone));
    }
    if (route === 'mutate' && req.method === 'POST') {
      const body = await jsonBody(req);
      return sendJson(res, 200, state.mutate(body as unknown as SandboxMutation));
    }
    sendJson(res, 404, { error: `no admin route ${req.method} ${url.pathname}` });
  } catch (e) {
    if (isConfigError(e) || e instanceof SyntaxError) return sendJson(res, 400, { error: e.message });
    throw e;
  }
}
