/**
 * The Python client venv is offline-tolerant only where allowed: without a reachable package index the build says
 * so (exit 3) and leaves nothing half-built; the client tests then skip with that message, except with CI=true.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildClientVenv, skipReason } from './python';

test('without a reachable package index, scripts/client-venv.sh exits 3 naming the cause and leaves no venv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qbo-client-venv-'));
  try {
    const venv = join(dir, 'venv');
    const unreachable = 'http://127.0.0.1:9/simple';
    const r = buildClientVenv({
      ...process.env, QBO_CLIENT_VENV: venv, PIP_INDEX_URL: unreachable, PIP_EXTRA_INDEX_URL: unreachable,
      PIP_FIND_LINKS: join(dir, 'no-wheels'), PIP_RETRIES: '0', PIP_DEFAULT_TIMEOUT: '2', PIP_NO_CACHE_DIR: '1',
    });
    expect(r.status).toBe(3);
    expect(r.stderrTail).toContain('the Python package index cannot be reached');
    expect(existsSync(join(venv, 'bin'))).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test('the client tests skip, with the reason, only for an unreachable index and never when CI=true', () => {
  expect(skipReason(3, 'index down', undefined)).toMatch(/^skipped: .*package index cannot be reached \(index down\)$/);
  expect(skipReason(3, 'index down', 'true')).toBeUndefined();
  expect(skipReason(1, 'pip failed', undefined)).toBeUndefined();
  expect(skipReason(0, '', undefined)).toBeUndefined();
});
