/** Helpers shared by the Mage test files: a throw-away MAGE_DATA_DIR, reading a secret back, scanning for leaks. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureMageVenv, mage, PROJECT_ROOT, type MageOptions } from '../../src/demo/mage-cli';

export const FIXTURE_BLOCKS = join(__dirname, 'fixtures', 'blocks');

/**
 * Registers a first beforeAll that makes sure the pinned mage-ai venv exists: on a fresh machine the first test file
 * to get there installs it (minutes; scripts/mage-venv.sh makes the others wait), later runs find it cached.
 */
export function needsMageVenv(): void {
  beforeAll(() => ensureMageVenv(), 30 * 60_000);
}

export function tempDataDir(label: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `qbo-mage-${label}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const READ_SECRET = `
import json, sys
sys.path.insert(0, sys.argv[1])
from mage_project.utils import mage_secrets
mage_secrets.open_project(sys.argv[1] + '/mage_project')
print('SECRET=' + json.dumps(mage_secrets.mage_secret_value(sys.argv[2])))
`;

/** The value of a Mage Secret, read with Mage's own get_secret_value (null when absent). */
export async function readSecret(name: string, options: MageOptions): Promise<string | null> {
  const result = await mage(['python', '-c', READ_SECRET, PROJECT_ROOT, name], options);
  const line = result.stdout.split('\n').find((l) => l.startsWith('SECRET='));
  if (result.code !== 0 || line === undefined) throw new Error(`reading secret ${name} failed: ${result.stderr.slice(-500)}`);
  return JSON.parse(line.slice('SECRET='.length)) as string | null;
}

export async function deleteSecrets(names: string[], options: MageOptions): Promise<void> {
  const result = await mage(['secrets', 'delete', ...names], options);
  if (result.code !== 0) throw new Error(`deleting secrets failed: ${result.stderr.slice(-500)}`);
}

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

/** Every file under `dir` (none when it does not exist). */
export function allFiles(dir: string): string[] {
  return existsSync(dir) ? [...files(dir)] : [];
}

/** Every file under `dir` whose directory path contains one of `parts` (e.g. '.logs', '.variables'). */
export function filesUnder(dir: string, parts: string[]): string[] {
  return [...files(dir)].filter((f) => parts.some((p) => f.includes(`/${p}/`)));
}

/** Files (among `paths`) that contain any of `values`; returns "file: NAME" pairs for a readable failure. */
export function leaks(paths: string[], values: Record<string, string>): string[] {
  const found: string[] = [];
  for (const path of paths) {
    const text = readFileSync(path, 'utf8');
    for (const [name, value] of Object.entries(values)) if (value && text.includes(value)) found.push(`${path}: ${name}`);
  }
  return found;
}
