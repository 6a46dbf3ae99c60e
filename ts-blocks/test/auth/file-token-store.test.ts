import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileTokenStore } from '../../src/auth/file-token-store';
import { clearRegisteredSecrets } from '../../src/core/sanitize';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qbo-token-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  clearRegisteredSecrets();
});

describe('file token store', () => {
  it('starts from the configured token when there is no file', async () => {
    const store = await openFileTokenStore(join(dir, 'token.json'), 'configured-token-1');
    expect(store.current()).toBe('configured-token-1');
    expect(store.source).toBe('configured');
  });

  it('writes the rotated token with mode 0600 and no temporary file left behind', async () => {
    const path = join(dir, 'nested', 'token.json');
    const store = await openFileTokenStore(path, 'configured-token-1');
    await store.save('rotated-token-2');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8')).refresh_token).toBe('rotated-token-2');
    expect(readdirSync(join(dir, 'nested'))).toEqual(['token.json']);
    expect(store.current()).toBe('rotated-token-2');
  });

  it('takes precedence over the configured token next time', async () => {
    const path = join(dir, 'token.json');
    await (await openFileTokenStore(path, 'configured-token-1')).save('rotated-token-2');
    const again = await openFileTokenStore(path, 'configured-token-1');
    expect(again.current()).toBe('rotated-token-2');
    expect(again.source).toBe('file');
  });

  it('yields to a newly configured token after the operator re-authorizes', async () => {
    const path = join(dir, 'token.json');
    await (await openFileTokenStore(path, 'configured-token-1')).save('rotated-token-2');
    const reauthorized = await openFileTokenStore(path, 'configured-token-9');
    expect(reauthorized.current()).toBe('configured-token-9');
  });

  it('keeps 0600 when replacing a file that had wider permissions', async () => {
    const path = join(dir, 'token.json');
    await (await openFileTokenStore(path, 'configured-token-1')).save('rotated-token-2');
    chmodSync(path, 0o644);
    await (await openFileTokenStore(path, 'configured-token-1')).save('rotated-token-3');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('reports a corrupt file by path, telling the operator how to recover', async () => {
    const path = join(dir, 'token.json');
    writeFileSync(path, 'not json');
    await expect(openFileTokenStore(path, 'configured-token-1')).rejects.toThrow(/not a valid token file\. Delete it/);
  });
});
