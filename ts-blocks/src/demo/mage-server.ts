/**
 * A `mage start` server (web UI, REST API and scheduler) for this project, on a chosen port and data dir, driven
 * through Mage's REST API: the scheduled path the tests and the evidence script exercise.
 *
 * The REST calls themselves are MageClient's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../core/free-port';
import { MAGE_SH, PROJECT_ROOT, mageEnv, type MageOptions } from './mage-cli';
import { MageClient, pollUntil } from './mage-client';

const DEFAULT_START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

export interface MageServerOptions extends MageOptions {
  /** 0 or absent: a free port. */
  readonly port?: number;
  readonly email?: string;
  readonly password?: string;
  readonly startTimeoutMs?: number;
}

export class MageServer extends MageClient {
  private readonly lines: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    baseUrl: string,
    options: MageServerOptions,
  ) {
    super(baseUrl, options);
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
