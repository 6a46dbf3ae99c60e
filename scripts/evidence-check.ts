/**
 * The last gate before evidence is committed: no credential in any text file under the evidence folder. Every
 * known value (the sandbox's client id and secret, every refresh token seen, the database password) is registered
 * with the project's sanitiser, which also knows credential shapes (Bearer headers, JWTs, `RT1-…` tokens,
 * `password=` pairs, passwords in URLs); a file the sanitiser would change is a leak.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { registerSecret, sanitize } from '../ts-blocks/src/core/sanitize';

const TEXT = new Set(['.md', '.json', '.html', '.txt', '.csv', '.yaml', '.yml']);

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

export interface ScanResult {
  readonly scanned: number;
  /** "file: what" for every problem found. */
  readonly leaks: string[];
}

export function scanForCredentials(dir: string, values: readonly (string | undefined)[]): ScanResult {
  for (const v of values) registerSecret(v);
  const leaks: string[] = [];
  let scanned = 0;
  for (const path of files(dir)) {
    if (!TEXT.has(extname(path))) continue;
    scanned += 1;
    const text = readFileSync(path, 'utf8');
    const name = relative(dir, path);
    if (sanitize(text) !== text) leaks.push(`${name}: holds a credential value or shape`);
    if (text.includes('[REDACTED]')) leaks.push(`${name}: holds a redacted credential (something tried to write one)`);
  }
  return { scanned, leaks };
}
