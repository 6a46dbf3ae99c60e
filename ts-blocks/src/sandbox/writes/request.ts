/**
 * How a write arrives: `POST /v3/company/{realm}/{entity}` with the entity as a JSON body. No `operation` creates
 * (or updates, when the body carries an Id, as QBO does); `?operation=update` and `?operation=delete` name it. A
 * batch item names it in its `operation` key. The body is kept as parsed: JSON.parse keeps every string exactly
 * (escapes, U+0000, lone surrogates) and JSON.stringify writes each back as the same string.
 */
import type { Payload } from '../generator/common';
import type { SandboxEntity } from '../options';
import type { WriteOperation, WriteRequest } from './apply';
import { isObject } from './context';
import { invalidProperty, unsupportedOperation } from './faults';

const OPERATIONS: readonly WriteOperation[] = ['create', 'update', 'delete'];

export function parseJsonBody(text: string): unknown {
  if (/^\s*</.test(text)) {
    throw invalidProperty('XML request bodies are not supported by the sandbox; send JSON (Content-Type: application/json)');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalidProperty(`the request body is not JSON (${(e as Error).message})`);
  }
}

/** The write a request asks for; a Fault when the operation or body is not one QBO would take. */
export function writeRequest(entity: SandboxEntity, operation: string | null | undefined, body: unknown): WriteRequest {
  if (!isObject(body)) throw invalidProperty(`the ${entity} must be a JSON object`);
  const op = (operation ?? '').toLowerCase();
  if (op !== '' && !(OPERATIONS as string[]).includes(op)) throw unsupportedOperation(`${operation} on ${entity}`);
  const hasId = body.Id !== undefined && body.Id !== null && body.Id !== '';
  const resolved: WriteOperation = op === '' ? (hasId ? 'update' : 'create') : (op as WriteOperation);
  return { entity, operation: resolved, body: body as Payload };
}
