/**
 * A view of a pooled client for code that manages its own transaction, run inside a transaction we own and will
 * roll back: BEGIN / START TRANSACTION become SAVEPOINTs, COMMIT / END release them, ROLLBACK rolls back to them,
 * and `release()` does nothing. So a loader that commits cannot commit our transaction by accident.
 * Everything else (parameterised queries, COPY streams, events) passes through unchanged.
 */
import type { PoolClient } from 'pg';
import { FatalError } from '../core/errors';

type Rewrite = (text: string) => string | undefined;

function transactionRewriter(): Rewrite {
  let depth = 0;
  const name = (d: number) => `qbo_nested_${d}`;
  return (text: string) => {
    const s = text.trim().replace(/;\s*$/, '').toUpperCase();
    if (/^(BEGIN|START\s+TRANSACTION)\b/.test(s)) {
      depth += 1;
      return `SAVEPOINT ${name(depth)}`;
    }
    if (/^(COMMIT|END)\b/.test(s)) {
      if (depth === 0) throw outside(text);
      depth -= 1;
      return `RELEASE SAVEPOINT ${name(depth + 1)}`;
    }
    if (/^ROLLBACK\s*$/.test(s) || /^ROLLBACK\s+(WORK|TRANSACTION)\s*$/.test(s)) {
      if (depth === 0) throw outside(text);
      depth -= 1;
      return `ROLLBACK TO SAVEPOINT ${name(depth + 1)}; RELEASE SAVEPOINT ${name(depth + 1)}`;
    }
    return undefined;
  };
}

function outside(text: string): FatalError {
  return new FatalError(`"${text.trim()}" was issued with no transaction open on the guarded client.`, { code: 'NESTED_TX_MISUSE' });
}

function statementText(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null && typeof (arg as { submit?: unknown }).submit !== 'function') {
    const text = (arg as { text?: unknown }).text;
    return typeof text === 'string' ? text : undefined;
  }
  return undefined;
}

export function savepointClient(client: PoolClient): PoolClient {
  const rewrite = transactionRewriter();
  const query = (...args: unknown[]): unknown => {
    const text = statementText(args[0]);
    const replaced = text === undefined ? undefined : rewrite(text);
    const call = client.query as (...a: unknown[]) => unknown;
    if (replaced === undefined) return call.apply(client, args);
    const callback = args.find((a) => typeof a === 'function');
    return callback ? call.call(client, replaced, callback) : call.call(client, replaced);
  };
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'query') return query;
      if (prop === 'release') return () => undefined;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
