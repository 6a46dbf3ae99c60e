/**
 * The shared shell of every block entry point (loader, exporter, validator).
 *
 * Protocol with the Mage bridge (mage_project/utils/bridge.py):
 *  - stdin, first line: one JSON document `{"vars": {...}, "secrets": {...}, "upstream": {...}|null,
 *    "protocol": {"ack_tokens": true}}`. Secrets travel here, never in argv or the environment.
 *  - stdout: NDJSON events (core/events.ts), sanitised, one per line; the last one is `result` or `error`.
 *  - `token_rotated`: the only event carrying a credential. With `protocol.ack_tokens`, the block then waits
 *    for the line `{"type":"ack","for":"token_rotated"}` on stdin, which the bridge writes once the token is
 *    stored in Mage Secrets; only then does the block send another request.
 *  - exit code: 0 success; 2 config; 3 auth; 4 data; 1 anything else.
 *  - the process exits if its parent dies (Mage kills a timed-out block's worker with SIGKILL).
 */
import { createInterface } from 'node:readline';
import { ConfigError, toBackfillError, type ErrorKind } from '../core/errors';
import type { BackfillEvent, EventSink } from '../core/events';
import { registerSecret, sanitizeValue } from '../core/sanitize';
import type { RefreshTokenStore } from '../core/token-store';

export interface BlockInput {
  vars: Record<string, unknown>;
  secrets: Record<string, string | undefined>;
  upstream: unknown;
  protocol?: { ack_tokens?: boolean };
}

export interface BlockContext {
  readonly input: BlockInput;
  readonly emit: EventSink;
  /** Present when the secrets carry QBO_REFRESH_TOKEN. */
  readonly tokenStore?: RefreshTokenStore;
  readonly signal: AbortSignal;
}

export type BlockBody = (ctx: BlockContext) => Promise<Record<string, unknown>>;

const EXIT_CODES: Record<ErrorKind, number> = { config: 2, auth: 3, data: 4, fatal: 1, retriable: 1 };
const ACK_TIMEOUT_MS = 60_000;
/**
 * Secret names whose values are credentials. The other secrets Mage passes (realm id, QBO_ENV, URLs, PG host,
 * port, database, user) are configuration: scrubbing them would blank every "sandbox", "postgres" or "5432" in
 * the output, the realm id and spool paths in summaries included.
 */
const CREDENTIAL_SECRET = /(SECRET|TOKEN|PASSWORD|PASSWD|CLIENT_ID|DATABASE_URL)$/i;

export function writeEvent(out: NodeJS.WritableStream, event: BackfillEvent): void {
  // token_rotated is the one event allowed to carry a credential; everything else is sanitised.
  const safe = event.type === 'token_rotated' ? event : sanitizeValue(event);
  out.write(`${JSON.stringify(safe)}\n`);
}

/** Reads stdin line by line: the first line is the input document, later lines are acknowledgements. */
class StdinChannel {
  private readonly lines: string[] = [];
  private waiters: Array<(line: string | undefined) => void> = [];
  private closed = false;

  constructor(stream: NodeJS.ReadableStream) {
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    rl.on('line', (line) => {
      if (!line.trim()) return;
      const waiter = this.waiters.shift();
      if (waiter) waiter(line);
      else this.lines.push(line);
    });
    rl.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(undefined);
    });
  }

  next(timeoutMs?: number): Promise<string | undefined> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = (line: string | undefined) => {
        if (timer) clearTimeout(timer);
        resolve(line);
      };
      this.waiters.push(waiter);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(undefined);
        }, timeoutMs);
        timer.unref();
      }
    });
  }
}

export function parseBlockInput(line: string | undefined): BlockInput {
  if (line === undefined) {
    throw new ConfigError('The block received no input on stdin: expected one JSON line {"vars", "secrets", "upstream"}.', {
      code: 'BLOCK_NO_INPUT',
    });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    throw new ConfigError('The block input on stdin is not valid JSON: expected one JSON line {"vars", "secrets", "upstream"}.', {
      code: 'BLOCK_BAD_INPUT',
    });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ConfigError('The block input must be a JSON object {"vars", "secrets", "upstream"}.', { code: 'BLOCK_BAD_INPUT' });
  }
  const d = doc as Record<string, unknown>;
  const obj = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const secrets: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(obj(d.secrets))) {
    secrets[k] = v === null || v === undefined || v === '' ? undefined : String(v);
  }
  return {
    vars: obj(d.vars),
    secrets,
    upstream: d.upstream ?? null,
    protocol: obj(d.protocol) as BlockInput['protocol'],
  };
}

function blockTokenStore(initial: string, emit: EventSink, channel: StdinChannel, ack: boolean): RefreshTokenStore {
  let token = initial;
  return {
    current: () => token,
    async save(newToken: string) {
      registerSecret(newToken);
      emit({ type: 'token_rotated', refresh_token: newToken });
      if (ack) {
        const line = await channel.next(ACK_TIMEOUT_MS);
        let ok = false;
        try {
          const parsed = line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>);
          ok = parsed?.type === 'ack' && parsed?.for === 'token_rotated';
        } catch {
          ok = false;
        }
        if (!ok) {
          throw new ConfigError(
            'The bridge did not confirm that the rotated refresh token was stored in Mage Secrets; stopping before ' +
              'the next request so the new token is not lost. Check that the QBO_REFRESH_TOKEN secret is writable.',
            { code: 'TOKEN_PERSIST_UNCONFIRMED' },
          );
        }
      }
      token = newToken;
    },
  };
}

function watchParent(onOrphaned: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) onOrphaned();
  }, 1000);
  timer.unref();
}

/** Runs a block body with the protocol above, then exits the process. */
export async function runBlock(body: BlockBody, io = { stdin: process.stdin, stdout: process.stdout }): Promise<number> {
  const emit: EventSink = (e) => writeEvent(io.stdout, e);
  const controller = new AbortController();
  const channel = new StdinChannel(io.stdin);
  const abort = () => controller.abort(new Error('terminated'));
  process.once('SIGTERM', abort);
  process.once('SIGINT', abort);
  watchParent(() => process.exit(137));
  let code = 0;
  try {
    const input = parseBlockInput(await channel.next());
    for (const [name, value] of Object.entries(input.secrets)) if (CREDENTIAL_SECRET.test(name)) registerSecret(value);
    const refresh = input.secrets.QBO_REFRESH_TOKEN;
    const tokenStore = refresh
      ? blockTokenStore(refresh, emit, channel, input.protocol?.ack_tokens === true)
      : undefined;
    const summary = await body({ input, emit, tokenStore, signal: controller.signal });
    emit({ type: 'result', ok: true, summary });
  } catch (e) {
    const err = toBackfillError(e);
    emit({ type: 'error', error: err.toJSON() });
    code = EXIT_CODES[err.kind];
  }
  return code;
}

/** Entry-point helper: `main(body)` at the bottom of each block file. */
export function main(body: BlockBody): void {
  runBlock(body).then(
    (code) => {
      process.stdout.write('', () => process.exit(code));
    },
    () => process.exit(1),
  );
}
