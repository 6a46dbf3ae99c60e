import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearRegisteredSecrets } from '../../src/core/sanitize';
import { scanForCredentials } from '../../../scripts/evidence-check';

const EVIDENCE = join(__dirname, '..', '..', '..', 'evidencias');

describe('evidence credential scan', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qbo-evidence-scan-'));
    mkdirSync(join(dir, 'items'));
    writeFileSync(join(dir, 'items', 'report.md'), '# Backfill report — items\nrealm 9130350000000001, 300 rows\n');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    clearRegisteredSecrets();
  });

  it('passes clean files and flags a known value, a credential shape and a redaction marker, naming the file', () => {
    expect(scanForCredentials(dir, ['client-secret-value-123']).leaks).toEqual([]);
    writeFileSync(join(dir, 'items', 'summary.txt'), 'secret is client-secret-value-123\n');
    writeFileSync(join(dir, 'log.json'), '{"note": "refresh RT1-823-H0-1795334459xi26r3an4986y9b613tz"}\n');
    writeFileSync(join(dir, 'old.md'), 'password was [REDACTED]\n');
    const { scanned, leaks } = scanForCredentials(dir, ['client-secret-value-123']);
    expect(scanned).toBe(4);
    expect(leaks.sort()).toEqual([
      'items/summary.txt: holds a credential value or shape',
      'log.json: holds a credential value or shape',
      'old.md: holds a redacted credential (something tried to write one)',
    ]);
  });

  it('finds no credential shape in the committed evidence folder', () => {
    const { scanned, leaks } = scanForCredentials(EVIDENCE, []);
    expect(scanned).toBeGreaterThan(10);
    expect(leaks).toEqual([]);
  });
});
