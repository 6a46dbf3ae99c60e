/**
 * A `mage start` server (web UI, REST API and scheduler) for this project, on a chosen port and data dir, driven
 * through Mage's REST API: the scheduled path the tests and the evidence script exercise.
 *
 * Auth (on by default since mage-ai 0.9.78): `POST /api/sessions` with Mage's public frontend API key and the owner's
 * e-mail/password (admin@admin.com / admin unless DEFAULT_OWNER_EMAIL / DEFAULT_OWNER_PASSWORD say otherwise), then
 * `Cookie: oauth_token=<token>` on every call.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../core/free-port';
import { MAGE_SH, PROJECT_ROOT, mageEnv, type MageOptions } from './mage-cli';

/** The API key Mage's own frontend sends (public, shipped in Mage's web bundle). */
export const MAGE_FRONTEND_API_KEY = 'zkWlN0PkIKSN0C11CfUHUj84OT5XOJ6tDZ6bDRO2';
const DEFAULT_START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

export interface MageServerOptions extends MageOptions {
  /** 0 or absent: a free port. */
  readonly port?: number;
  readonly email?: string;
  readonly password?: string;
  readonly startTimeoutMs?: number;
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

export class MageServer {
  private token = '';
  private readonly lines: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    private readonly options: MageServerOptions,
  ) {
    const keep = (chunk: Buffer) => {
      this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (this.lines.length > 5000) this.lines.splice(0, this.lines.length - 5000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /** Starts `mage start` and resolves once the API answers and the owner can log in. */
  static async start(options: MageServerOptions): Promise<MageServer> {
    const port = options.port || (await freePort());
    // Own process group: stop() ends Mage's scheduler and block workers with it.
    const child = spawn(MAGE_SH, ['start', '--port', String(port)], {
      cwd: PROJECT_ROOT,
      env: mageEnv(options),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const server = new MageServer(child, `http://127.0.0.1:${port}`, options);
    try {
      await pollUntil('Mage to log in', async () => {
        if (child.exitCode !== null) throw new Error(`mage start exited with code ${child.exitCode}: ${server.output(5)}`);
        return (await server.login()) ? true : undefined;
      }, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    } catch (e) {
      await server.stop();
      throw e;
    }
    return server;
  }

  /** The last lines Mage printed (web server and scheduler). */
  output(count = 200): string {
    return this.lines.slice(-count).join('\n');
  }

  /** Lines printed since `mark` (see `mark()`). */
  outputSince(mark: number): string[] {
    return this.lines.slice(mark);
  }

  mark(): number {
    return this.lines.length;
  }

  private async login(): Promise<boolean> {
    const response = await fetch(`${this.baseUrl}/api/sessions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-KEY': MAGE_FRONTEND_API_KEY },
      body: JSON.stringify({
        session: { email: this.options.email ?? 'admin@admin.com', password: this.options.password ?? 'admin' },
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

  /** Stops Mage (SIGTERM to its process group, SIGKILL after a grace period). */
  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch {
        /* already gone */
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    // Workers left in the group (if any) go with it.
    signal('SIGKILL');
  }
}
