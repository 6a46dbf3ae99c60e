/**
 * One dedicated PostgreSQL connection per process for session-level advisory locks: the run locks and the realm
 * lease's liveness lock. Not a pooled connection: a session lock must outlive every transaction and end with the
 * process (the server frees it the moment the connection closes, however the process died). Its application_name
 * carries the process's role, pid and host, so others can say who holds a lock; TCP keepalives make the server
 * drop the session of a host that vanished within about a minute. Opened on first use; a lost connection is
 * replaced on the next use (`generation` tells callers their locks went with it). It also LISTENs for the
 * channels callers watch (`listen`), again on every replacement connection.
 */
import { Client } from 'pg';
import type { DbConfig } from '../db/config';
import { connectionError, queryError } from '../db/errors';
import { poolConfig } from '../db/pool';
import { processHolder } from './holder';

const KEEPALIVES = '-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3';

export interface SessionConnection {
  readonly client: Client;
  /** 1 for the first connection, +1 for each replacement: locks taken on an older one are gone. */
  readonly generation: number;
}

export type NotificationHandler = (payload: string) => void;

export class PgSession {
  private current: Promise<SessionConnection> | undefined;
  private generations = 0;
  private readonly listeners = new Map<string, Set<NotificationHandler>>();

  constructor(
    private readonly config: DbConfig,
    private readonly role = 'qbo-backfill',
  ) {}

  /** Runs one statement on the session; returns its rows and the connection's generation. */
  async query<R>(text: string, values: unknown[], doing: string): Promise<{ rows: R[]; generation: number }> {
    const { client, generation } = await this.connection();
    try {
      const { rows } = await client.query<R & Record<string, unknown>>(text, values);
      return { rows, generation };
    } catch (e) {
      throw queryError(e, doing);
    }
  }

  /**
   * Calls `handler` with the payload of every NOTIFY on `channel` (a plain identifier) until the returned function
   * is called. Notifications sent while the connection was being replaced are lost: use this to act sooner, not
   * instead of polling.
   */
  async listen(channel: string, handler: NotificationHandler): Promise<() => void> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Not a channel name: ${channel}`);
    let handlers = this.listeners.get(channel);
    const first = handlers === undefined;
    if (!handlers) this.listeners.set(channel, (handlers = new Set()));
    handlers.add(handler);
    if (first) await this.query(`LISTEN ${channel}`, [], `listening on ${channel}`);
    else await this.connection();
    return () => {
      handlers.delete(handler);
    };
  }

  /** The generation of the open connection, or undefined when none is open (nothing is connected here). */
  async openGeneration(): Promise<number | undefined> {
    return (await this.current?.catch(() => undefined))?.generation;
  }

  /** Ends the connection: every lock it holds is released. */
  async close(): Promise<void> {
    const pending = this.current;
    this.current = undefined;
    const open = await pending?.catch(() => undefined);
    await open?.client.end().catch(() => undefined);
  }

  private connection(): Promise<SessionConnection> {
    if (this.current) return this.current;
    const pending = this.connect();
    this.current = pending;
    const forget = () => {
      if (this.current === pending) this.current = undefined;
    };
    pending.then(({ client }) => client.on('error', forget).on('end', forget), forget);
    return pending;
  }

  private async connect(): Promise<SessionConnection> {
    const base = poolConfig(this.config, { applicationName: processHolder(this.role).slice(0, 63), statementTimeoutMs: 60_000 });
    const client = new Client({ ...base, options: `${base.options ?? ''} ${KEEPALIVES}`.trim(), keepAlive: true });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined);
      throw connectionError(e, this.config);
    }
    client.on('notification', (msg) => {
      for (const handler of this.listeners.get(msg.channel) ?? []) handler(msg.payload ?? '');
    });
    for (const channel of this.listeners.keys()) {
      try {
        await client.query(`LISTEN ${channel}`);
      } catch (e) {
        await client.end().catch(() => undefined);
        throw queryError(e, `listening on ${channel}`);
      }
    }
    this.generations += 1;
    return { client, generation: this.generations };
  }
}
