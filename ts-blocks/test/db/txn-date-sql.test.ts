/**
 * db/txn-date-sql.ts: the TxnDate pattern accepts exactly the YYYY-MM-DD strings PostgreSQL's date input accepts,
 * so the guarded cast never fails; checked against the cast itself over every month 00–19 and day 00–39 of years
 * around the edges of the rules (year 0000, centuries, 400-year leap years, the last years of 9999).
 */
import { txnDateInstantSql } from '../../src/db/txn-date-sql';
import { useInitDatabase } from '../helpers/init-database';

describe('TxnDate as an instant in SQL', () => {
  const t = useInitDatabase('txn_date_sql', {
    prepare: (c) =>
      c.query(`CREATE FUNCTION castable(v text) RETURNS boolean LANGUAGE plpgsql AS $$
                 BEGIN PERFORM v::date; RETURN true; EXCEPTION WHEN others THEN RETURN false; END $$`),
  });

  it('accepts exactly the YYYY-MM-DD strings PostgreSQL reads as dates', async () => {
    const { rows } = await t.c.query(
      `WITH years AS (SELECT generate_series(0, 4) AS y UNION SELECT generate_series(1896, 1904) UNION
                      SELECT generate_series(1999, 2001) UNION SELECT generate_series(2096, 2104) UNION
                      SELECT generate_series(2399, 2401) UNION SELECT generate_series(9996, 9999)),
            candidates AS (SELECT lpad(y::text, 4, '0') || '-' || lpad(m::text, 2, '0') || '-' || lpad(d::text, 2, '0') AS v
                             FROM years, generate_series(0, 19) m, generate_series(0, 39) d)
       SELECT count(*)::int AS total,
              count(*) FILTER (WHERE castable(v))::int AS dates,
              count(*) FILTER (WHERE (${txnDateInstantSql('v')} IS NOT NULL) <> castable(v))::int AS disagree,
              (array_agg(v) FILTER (WHERE (${txnDateInstantSql('v')} IS NOT NULL) <> castable(v)))[1:5] AS examples
         FROM candidates`,
    );
    expect(rows[0]).toMatchObject({ total: 26400, disagree: 0, examples: null });
    expect(rows[0].dates).toBeGreaterThan(11000);
  });

  it('gives the UTC midnight of a date, and NULL (never an error) for anything else', async () => {
    const values = ['2024-02-29', '2000-02-29', '2023-02-29', '1900-02-29', '2024-02-30', '2024-13-45', '0000-01-01',
      '2024-1-1', ' 2024-01-01', '20240101', '', 'n/a'];
    const { rows } = await t.c.query(
      `SELECT v, ${txnDateInstantSql('v')} AS at FROM unnest($1::text[]) WITH ORDINALITY AS u(v, n) ORDER BY n`, [values]);
    expect(Object.fromEntries(rows.map((r) => [r.v, r.at === null ? null : (r.at as Date).toISOString()]))).toEqual({
      '2024-02-29': '2024-02-29T00:00:00.000Z', '2000-02-29': '2000-02-29T00:00:00.000Z', '2023-02-29': null,
      '1900-02-29': null, '2024-02-30': null, '2024-13-45': null, '0000-01-01': null, '2024-1-1': null,
      ' 2024-01-01': null, '20240101': null, '': null, 'n/a': null,
    });
  });
});
