/** Small HTTP helpers shared by the sandbox routes. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Reply } from './replies';

const MAX_BODY = 1 << 20;

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function send(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, {
    'Content-Type': reply.contentType,
    'Content-Length': Buffer.byteLength(reply.body),
    ...headers,
  });
  res.end(reply.body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(res, { status, contentType: 'application/json;charset=UTF-8', body: JSON.stringify(value) }, headers);
}

/** QBO answers JSON when asked (`format=json` or an Accept naming JSON), XML otherwise. */
export function wantsJson(req: IncomingMessage, url: URL): boolean {
  if ((url.searchParams.get('format') ?? '').toLowerCase() === 'json') return true;
  if ((url.searchParams.get('format') ?? '').toLowerCase() === 'xml') return false;
  return /json/i.test(String(req.headers.accept ?? ''));
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
  return m ? m[1] : undefined;
}
