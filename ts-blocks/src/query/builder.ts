/**
 * QBO query statements:
 *   SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2024-01-01T00:00:00+00:00'
 *     AND MetaData.LastUpdatedTime < '2024-01-08T00:00:00+00:00' ORDERBY MetaData.LastUpdatedTime
 *     STARTPOSITION 1 MAXRESULTS 1000
 *   SELECT COUNT(*) FROM Customer WHERE ... AND Active IN (true, false)
 * QBO's grammar has no OR and orders by one field only; STARTPOSITION is 1-based; MAXRESULTS is at most 1000.
 */
import { FatalError } from '../core/errors';
import type { DateFieldMapping, EntityDefinition } from '../entities/types';
import { dateLiteral, instantLiteral, quote } from './literals';

export type Operator = '>=' | '>' | '=' | '<' | '<=';

/** A condition on the entity's date field. */
export interface DateCondition {
  readonly op: Operator;
  readonly value: Date;
}

export interface QueryTarget {
  readonly entity: EntityDefinition;
  readonly dateField: DateFieldMapping;
  readonly conditions: readonly DateCondition[];
}

export interface PageSpec {
  /** 1-based. */
  readonly startPosition: number;
  /** 1..1000. */
  readonly maxResults: number;
}

export const QBO_MAX_RESULTS = 1000;

function literal(mapping: DateFieldMapping, value: Date): string {
  return quote(mapping.kind === 'date' ? dateLiteral(value) : instantLiteral(value));
}

function whereClause(target: QueryTarget): string {
  const clauses = [
    ...target.conditions.map((c) => `${target.dateField.qboField} ${c.op} ${literal(target.dateField, c.value)}`),
    ...target.entity.extraFilters,
  ];
  return clauses.length > 0 ? ` WHERE ${clauses.join(' AND ')}` : '';
}

export function buildSelect(target: QueryTarget, page: PageSpec): string {
  if (!Number.isInteger(page.startPosition) || page.startPosition < 1) {
    throw new FatalError(`STARTPOSITION must be a positive integer (got ${page.startPosition}).`, { code: 'QUERY_BAD_PAGE' });
  }
  if (!Number.isInteger(page.maxResults) || page.maxResults < 1 || page.maxResults > QBO_MAX_RESULTS) {
    throw new FatalError(`MAXRESULTS must be 1..${QBO_MAX_RESULTS} (got ${page.maxResults}).`, { code: 'QUERY_BAD_PAGE' });
  }
  return (
    `SELECT * FROM ${target.entity.qboEntity}${whereClause(target)} ORDERBY ${target.dateField.qboField}` +
    ` STARTPOSITION ${page.startPosition} MAXRESULTS ${page.maxResults}`
  );
}

export function buildCount(target: QueryTarget): string {
  return `SELECT COUNT(*) FROM ${target.entity.qboEntity}${whereClause(target)}`;
}

/** The conditions of a half-open window [start, end). */
export function windowConditions(start: Date, end: Date): readonly DateCondition[] {
  return [
    { op: '>=', value: start },
    { op: '<', value: end },
  ];
}
