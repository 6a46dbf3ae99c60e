/**
 * The schema reference (docs/schema.md) stays true to db/init: every column it must document is documented, and its
 * verification queries run against the schema db/init creates.
 */
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { readdirSync } from 'node:fs';
import { markdownSection, readRepoFile, repoPath } from './repo-files';

const section = markdownSection(readRepoFile('docs/schema.md'), '# The `raw` and `ops` schemas');

/** Column names of the tables created in a DDL text (`  name  type ...` lines inside CREATE TABLE). */
function ddlColumns(sql: string): string[] {
  return [...sql.matchAll(/^\s+([a-z_]+)\s+(?:text|char\(\d+\)|jsonb|timestamptz|bigint|integer|uuid|numeric|boolean|bigserial)\b(?!;)/gm)].map(
    (m) => m[1],
  );
}

describe('docs/schema.md', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('readme_schema');
    await db.applyInit();
  });
  afterAll(async () => db.drop());

  it('documents every column of the raw tables and of every ops table', () => {
    const raw = ddlColumns(readRepoFile('db/init/010_raw_tables.sql'));
    const ops = readdirSync(repoPath('db/init'))
      .filter((f) => f.endsWith('.sql') && f !== '010_raw_tables.sql')
      .flatMap((f) => {
        const sql = readRepoFile(`db/init/${f}`);
        return [...ddlColumns(sql), ...[...sql.matchAll(/ADD COLUMN IF NOT EXISTS ([a-z_]+)/g)].map((m) => m[1])];
      });
    expect(raw).toEqual(expect.arrayContaining(['id', 'payload', 'ingested_at_utc', 'request_payload']));
    expect(ops).toEqual(expect.arrayContaining(['chunk_index', 'rows_inserted', 'check_name', 'open_count']));
    const missing = [...raw, ...ops].filter((c) => !section.includes(`\`${c}\``));
    expect(missing).toEqual([]);
  });

  it('has verification queries that run against the schema db/init creates', async () => {
    const sql = /```sql\n([\s\S]*?)```/.exec(section)?.[1];
    expect(sql).toBeDefined();
    const statements = sql!
      .split(/;\s*\n/)
      .map((s) => s.replace(/^--.*$/gm, '').trim())
      .filter(Boolean);
    expect(statements.length).toBeGreaterThanOrEqual(3);
    const client = await db.client();
    for (const statement of statements) await expect(client.query(statement)).resolves.toBeDefined();
  });
});
