/**
 * Bundles each Mage block entry point (ts-blocks/src/blocks/<block>.ts) with everything it imports into one file,
 * ts-blocks/dist/blocks/<block>.js, over what `tsc` wrote there. A block is a short-lived process (Mage starts one
 * per block run, three per pipeline): loading one file instead of 180–400 modules saves 30–50 ms of CPU at each
 * start, and more when three pipelines start together on a small machine. Same directory depth as the compiled
 * modules, so paths computed from __dirname (repository root, db/init, evidencias) are unchanged.
 * Run by `npm run build` after `tsc`; the rest of dist/ (CLI, bench, demo) stays as `tsc` wrote it.
 */
import { build, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
export const BLOCKS = ['loader', 'exporter', 'validator'] as const;
export const DIST_BLOCKS = join(ROOT, 'ts-blocks', 'dist', 'blocks');

/** The call in pg/lib/stream.js that decides, when pg is loaded, whether it runs in a Cloudflare Worker. */
export const PG_RUNTIME_PROBE = 'if (isCloudflareRuntime()) {';

/**
 * pg probes its runtime when it is loaded: on Node.js 20 (no global `navigator`) it evaluates `typeof Response`,
 * which makes Node load its whole fetch implementation (undici): ~35 ms of CPU at every block start, for a
 * Cloudflare check whose answer a Node bundle knows. The bundle answers it (the Node.js streams); the build
 * fails if pg's code no longer has the probe, rather than bundling something unchecked.
 */
export const nodeOnlyPg: Plugin = {
  name: 'pg-on-node',
  setup(build) {
    build.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (source.split(PG_RUNTIME_PROBE).length !== 2) {
        throw new Error(`${args.path}: pg's runtime probe (${PG_RUNTIME_PROBE}) was not found once; check pg's version before bundling.`);
      }
      return { contents: source.replace(PG_RUNTIME_PROBE, 'if (false) {'), loader: 'js' };
    });
  },
};

export async function bundleBlocks(outDir: string = DIST_BLOCKS): Promise<string[]> {
  return Promise.all(BLOCKS.map(async (block) => {
    const outfile = join(outDir, `${block}.js`);
    await build({
      entryPoints: [join(ROOT, 'ts-blocks', 'src', 'blocks', `${block}.ts`)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // pg's optional native binding is not installed; pg only loads it when asked to.
      external: ['pg-native'],
      plugins: [nodeOnlyPg],
      sourcemap: true,
      logLevel: 'warning',
    });
    return outfile;
  }));
}

if (require.main === module) {
  bundleBlocks().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
