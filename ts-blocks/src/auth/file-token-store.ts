/**
 * The CLI's refresh-token store: a JSON file readable by its owner only (0600), replaced atomically (temp file,
 * fsync, rename, directory fsync), so a crash leaves either the old or the new token, never half of one.
 * The file takes precedence over the configured QBO_REFRESH_TOKEN on the next run, as long as it descends from
 * that configured value: it records a SHA-256 fingerprint of the configured token it started from, so when the
 * operator re-authorizes and configures a new token, the new token wins instead of a stale rotated one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../core/errors';
import { registerSecret } from '../core/sanitize';
import type { RefreshTokenStore } from '../core/token-store';

export const TOKEN_FILE_MODE = 0o600;

interface TokenFile {
  readonly refresh_token: string;
  /** sha256 of the configured QBO_REFRESH_TOKEN this chain of rotations started from. */
  readonly configured_sha256: string;
  readonly saved_at_utc: string;
}

export interface FileTokenStore extends RefreshTokenStore {
  readonly path: string;
  /** Where the current token came from when the store was opened. */
  readonly source: 'file' | 'configured';
}

const fingerprint = (token: string) => createHash('sha256').update(token).digest('hex');

async function readTokenFile(path: string): Promise<TokenFile | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`Cannot read the token file ${path} (${(e as NodeJS.ErrnoException).code}). Fix its permissions or QBO_TOKEN_FILE.`, {
      code: 'TOKEN_FILE_UNREADABLE',
    });
  }
  try {
    const doc = JSON.parse(text) as Partial<TokenFile>;
    if (typeof doc.refresh_token === 'string' && doc.refresh_token && typeof doc.configured_sha256 === 'string') return doc as TokenFile;
  } catch {
    // reported below
  }
  throw new ConfigError(`The token file ${path} is not a valid token file. Delete it to start again from QBO_REFRESH_TOKEN.`, {
    code: 'TOKEN_FILE_INVALID',
  });
}

/** Writes `content` to `path` atomically with mode 0600. */
export async function writeFileAtomic0600(path: string, content: string): Promise<void> {
  const dir = dirname(path);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(temp, 'wx', TOKEN_FILE_MODE);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.chmod(TOKEN_FILE_MODE);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, path);
  } catch (e) {
    await fs.rm(temp, { force: true });
    throw e;
  }
  const dirHandle = await fs.open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

/** Opens the token file store; `configured` is QBO_REFRESH_TOKEN from the settings. */
export async function openFileTokenStore(path: string, configured: string): Promise<FileTokenStore> {
  const configuredSha = fingerprint(configured);
  const file = await readTokenFile(path);
  const fromFile = file !== undefined && file.configured_sha256 === configuredSha;
  let token = fromFile ? file.refresh_token : configured;
  registerSecret(token);
  return {
    path,
    source: fromFile ? 'file' : 'configured',
    current: () => token,
    async save(newToken: string): Promise<void> {
      registerSecret(newToken);
      const doc: TokenFile = { refresh_token: newToken, configured_sha256: configuredSha, saved_at_utc: new Date().toISOString() };
      try {
        await writeFileAtomic0600(path, `${JSON.stringify(doc)}\n`);
      } catch (e) {
        throw new ConfigError(
          `Could not save the rotated refresh token to ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'}); stopping before the next ` +
            'request. Make the directory writable or set QBO_TOKEN_FILE.',
          { code: 'TOKEN_FILE_UNWRITABLE' },
        );
      }
      token = newToken;
    },
  };
}
