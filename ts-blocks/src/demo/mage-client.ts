/**
 * A client of a running Mage server's REST API (web UI, REST API and scheduler of `mage start`), wherever it runs:
 * a server this process started (MageServer) or a container (the Docker Compose deployment).
 *
 * Auth (on by default since mage-ai 0.9.78): `POST /api/sessions` with Mage's public frontend API key and the owner's
 * e-mail/password (admin@admin.com / admin unless DEFAULT_OWNER_EMAIL / DEFAULT_OWNER_PASSWORD say otherwise), then
 * `Cookie: oauth_token=<token>` on every call.
 */

/** The API key Mage's own frontend sends (public, shipped in Mage's web bundle). */
export const MAGE_FRONTEND_API_KEY = 'zkWlN0PkIKSN0C11CfUHUj84OT5XOJ6tDZ6bDRO2';

export interface MageLogin {
  readonly email?: string;
  readonly password?: string;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function pollUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await delay(everyMs);
  }
}

export class MageClient {
  private token = '';

  constructor(
    readonly baseUrl: string,
    private readonly credentials: MageLogin,
  ) {}

  /** Signs the owner in; false while Mage does not answer or refuses the login. */
  async login(): Promise<boolean> {
    const response = await fetch(`${this.baseUrl}/api/sessions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-KEY': MAGE_FRONTEND_API_KEY },
      body: JSON.stringify({
        session: { email: this.credentials.email ?? 'admin@admin.com', password: this.credentials.password ?? 'admin' },
      }),
    });
    const body = (await response.json().catch(() => ({}))) as { session?: { token?: string } };
    this.token = body.session?.token ?? '';
    return this.token !== '';
  }

  /** One REST call; throws with Mage's error message when the call fails. */
  async api<T = Record<string, unknown>>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}/api/${path.replace(/^\/+/, '')}`, {
      method,
      headers: {
        'Content-Type': 'application/json',
        'X-API-KEY': MAGE_FRONTEND_API_KEY,
        Cookie: `oauth_token=${this.token}`,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json().catch(() => ({}))) as T & { error?: { message?: string; exception?: string } };
    if (!response.ok || json.error) {
      const message = json.error?.message ?? json.error?.exception ?? `HTTP ${response.status}`;
      throw new Error(`Mage API ${method} /api/${path} failed: ${message}`);
    }
    return json;
  }
}
