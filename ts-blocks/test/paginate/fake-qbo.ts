/**
 * An in-memory stand-in for the QBO query endpoint, for paging tests: it understands the statements the query
 * builder writes (date conditions with >=, <, =, the Active clause, ORDERBY, STARTPOSITION, MAXRESULTS, COUNT(*)),
 * orders ties by Id as QBO does, and lets a test change records between calls (`beforeQuery`).
 */
import { FatalError } from '../../src/core/errors';
import type { QboClient, QueryCallOptions } from '../../src/http/qbo-client';
import type { QboRecord } from '../../src/spool/types';

export interface FakeRecord {
  Id: string;
  SyncToken: string;
  Active?: boolean;
  TxnDate?: string;
  MetaData: { CreateTime: string; LastUpdatedTime: string };
}

/** QBO stamps Pacific offsets: render an instant at -08:00. */
export function pacific(ms: number): string {
  const d = new Date(ms - 8 * 3600_000);
  return `${d.toISOString().slice(0, 19)}-08:00`;
}

const STATEMENT =
  /^SELECT (\*|COUNT\(\*\)) FROM (\w+)(?: WHERE (.*?))?(?: ORDERBY (\S+))?(?: STARTPOSITION (\d+) MAXRESULTS (\d+))?$/;

export class FakeQbo implements QboClient {
  readonly realmId = 'realm-1';
  readonly records = new Map<string, FakeRecord>();
  readonly statements: string[] = [];
  beforeQuery: (statement: string, n: number) => void = () => undefined;
  failOn: (statement: string, n: number) => Error | undefined = () => undefined;

  constructor(readonly entity = 'Invoice') {}

  add(id: string, updatedMs: number, extra: Partial<FakeRecord> = {}): FakeRecord {
    const r: FakeRecord = { Id: id, SyncToken: '0', MetaData: { CreateTime: pacific(updatedMs), LastUpdatedTime: pacific(updatedMs) }, ...extra };
    this.records.set(id, r);
    return r;
  }

  /** An update: LastUpdatedTime moves to `atMs`, SyncToken goes up. */
  touch(id: string, atMs: number): void {
    const r = this.records.get(id)!;
    r.SyncToken = String(Number(r.SyncToken) + 1);
    r.MetaData = { ...r.MetaData, LastUpdatedTime: pacific(atMs) };
  }

  requestPayload(statement: string) {
    return { method: 'POST' as const, path: `/v3/company/${this.realmId}/query`, params: { minorversion: 75 }, query: statement };
  }

  /** CDC: this fake company has no change history (no deletion to report). */
  async getCdc(_entity: string, _changedSince: string, options: QueryCallOptions = {}): Promise<Record<string, unknown>> {
    if (options.metrics) options.metrics.api_calls += 1;
    return { CDCResponse: [{ QueryResponse: [{}] }] };
  }

  async postQuery(statement: string, options: QueryCallOptions = {}): Promise<Record<string, unknown>> {
    this.statements.push(statement);
    const n = this.statements.length;
    if (options.metrics) options.metrics.api_calls += 1;
    this.beforeQuery(statement, n);
    const failure = this.failOn(statement, n);
    if (failure) throw failure;
    const m = STATEMENT.exec(statement);
    if (!m || m[2] !== this.entity) throw new FatalError(`fake QBO cannot parse ${statement}`, { code: 'TEST' });
    const rows = [...this.records.values()].filter((r) => this.matches(r, m[3]));
    if (m[1] !== '*') return { QueryResponse: { totalCount: rows.length } };
    const field = m[4]!;
    rows.sort((a, b) => this.key(a, field) - this.key(b, field) || Number(a.Id) - Number(b.Id));
    const start = Number(m[5] ?? 1);
    const page = rows.slice(start - 1, start - 1 + Number(m[6] ?? 100)).map((r) => JSON.parse(JSON.stringify(r)) as QboRecord);
    return { QueryResponse: page.length > 0 ? { [this.entity]: page, startPosition: start, maxResults: page.length } : {} };
  }

  private key(r: FakeRecord, field: string): number {
    return field === 'TxnDate' ? Date.parse(`${r.TxnDate}T00:00:00Z`) : Date.parse(r.MetaData.LastUpdatedTime);
  }

  private matches(r: FakeRecord, where: string | undefined): boolean {
    if (!where) return r.Active !== false;
    let activeClause = false;
    const ok = where.split(' AND ').every((clause) => {
      if (clause === 'Active IN (true, false)') return (activeClause = true);
      const c = /^(\S+) (>=|<|=|>|<=) '([^']+)'$/.exec(clause);
      if (!c) throw new FatalError(`fake QBO cannot parse ${clause}`, { code: 'TEST' });
      const v = this.key(r, c[1]!);
      const lit = c[1] === 'TxnDate' ? Date.parse(`${c[3]}T00:00:00Z`) : Date.parse(c[3]!);
      return { '>=': v >= lit, '<': v < lit, '=': v === lit, '>': v > lit, '<=': v <= lit }[c[2] as '>='];
    });
    return ok && (activeClause || r.Active !== false);
  }
}
