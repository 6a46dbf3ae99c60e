/** A minimal QBO client for the sandbox tests (plain fetch, so the tests see exactly what goes over the wire). */
import type { SandboxHandle } from '../../src/sandbox';

export interface Raw {
  status: number;
  headers: Headers;
  text: string;
  json: () => any;
}

async function raw(res: Response): Promise<Raw> {
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

export async function tokenRequest(qbo: SandboxHandle, refreshToken: string, auth?: string, extra: Record<string, string> = {}): Promise<Raw> {
  const res = await fetch(qbo.tokenUrl, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      Authorization: auth ?? basicAuth(qbo.clientId, qbo.clientSecret),
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }).toString(),
  });
  return raw(res);
}

export async function accessToken(qbo: SandboxHandle): Promise<string> {
  const r = await tokenRequest(qbo, qbo.refreshToken);
  if (r.status !== 200) throw new Error(`token refresh failed: ${r.status} ${r.text}`);
  return r.json().access_token as string;
}

export interface QueryOptions {
  token: string;
  method?: 'GET' | 'POST';
  json?: boolean;
  realm?: string;
}

export async function query(qbo: SandboxHandle, sql: string, o: QueryOptions): Promise<Raw> {
  const realm = o.realm ?? qbo.realmId;
  const json = o.json ?? true;
  const base = `${qbo.baseUrl}/v3/company/${realm}/query?minorversion=75`;
  const headers: Record<string, string> = { Authorization: `Bearer ${o.token}` };
  if (json) headers.Accept = 'application/json';
  if (o.method === 'POST') {
    headers['Content-Type'] = 'application/text';
    return raw(await fetch(base, { method: 'POST', headers, body: sql }));
  }
  return raw(await fetch(`${base}&query=${encodeURIComponent(sql)}`, { headers }));
}

/** Every row of a query, paged with STARTPOSITION/MAXRESULTS like a careful client. */
export async function queryAll(qbo: SandboxHandle, sql: string, token: string, pageSize = 1000): Promise<any[]> {
  const rows: any[] = [];
  for (let start = 1; ; start += pageSize) {
    const r = await query(qbo, `${sql} STARTPOSITION ${start} MAXRESULTS ${pageSize}`, { token });
    if (r.status !== 200) throw new Error(`query failed: ${r.status} ${r.text}`);
    const page = r.json().QueryResponse;
    const key = Object.keys(page).find((k) => k !== 'startPosition' && k !== 'maxResults');
    const got: any[] = key ? page[key] : [];
    rows.push(...got);
    if (got.length < pageSize) return rows;
  }
}

export async function admin(qbo: SandboxHandle, path: string, body?: unknown): Promise<Raw> {
  const init: RequestInit = body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } };
  return raw(await fetch(`${qbo.baseUrl}/__sandbox/${path}`, init));
}
