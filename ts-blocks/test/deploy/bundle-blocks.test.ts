import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleBlocks, PG_RUNTIME_PROBE } from '../../../scripts/bundle-blocks';

describe('block bundles (npm run build)', () => {
  let dir: string;
  let files: string[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qbo-bundle-'));
    files = await bundleBlocks(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one self-contained file per block: no module of ours or of node_modules is loaded at run time', () => {
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['loader.js', 'exporter.js', 'validator.js']);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const required = [...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
      // Only Node's own modules (and pg's optional native binding, which pg loads only when asked to) stay outside.
      expect(required.filter((id) => !builtinModules.includes(id.replace(/^node:/, '')) && id !== 'pg-native')).toEqual([]);
    }
  });

  it("answers pg's runtime probe at build time: loading the exporter or validator does not load Node's fetch", () => {
    // The probe is where pg/lib/stream.js decides; it is in the pg this project installs (else the build failed).
    expect(readFileSync(require.resolve('pg/lib/stream.js'), 'utf8')).toContain(PG_RUNTIME_PROBE);
    for (const file of files) expect(readFileSync(file, 'utf8')).not.toContain(PG_RUNTIME_PROBE);
    // Node's fetch (undici) is loaded when the global Response is first touched (a lazy getter until then). The
    // loader is left out: axios, which only it bundles, probes fetch support when it is loaded.
    for (const file of files.filter((f) => !f.endsWith('loader.js'))) {
      const probe = `require(${JSON.stringify(file)}); const d = Object.getOwnPropertyDescriptor(globalThis, 'Response');` +
        `process.stdout.write('fetch loaded: ' + String(d !== undefined && 'value' in d) + '\\n');`;
      const run = spawnSync(process.execPath, ['-e', probe], { input: '', encoding: 'utf8', timeout: 20_000 });
      expect(run.stdout.split('\n')[0]).toBe('fetch loaded: false');
    }
  });

  it('each bundle starts and answers the block protocol: no input on stdin is one clear error', () => {
    for (const file of files) {
      const run = spawnSync(process.execPath, [file], { input: '', encoding: 'utf8', timeout: 20_000 });
      expect(run.status).toBe(2);
      const event = JSON.parse(run.stdout.trim().split('\n').pop()!);
      expect(event).toMatchObject({ type: 'error', error: { code: 'BLOCK_NO_INPUT' } });
    }
  });
});
