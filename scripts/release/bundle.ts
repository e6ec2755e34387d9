/**
 * One bin and everything it imports as one plain JavaScript file (an ES module), for Node
 * without type stripping: the npm packages run it as their bin, the single executables embed it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { NODE_FLOOR, ROOT } from './packages.ts';

/**
 * CommonJS dependencies (pino, prom-client, ws…) call require() for Node's built-in modules;
 * an ES module has no require of its own, so the bundle makes one. In a single executable,
 * import.meta.url is the executable's path and createRequire still reaches the built-ins.
 */
const REQUIRE_SHIM = [
  "import { createRequire as __bundleCreateRequire } from 'node:module';",
  'const require = __bundleCreateRequire(import.meta.url);',
].join('\n');

export interface BundleResult {
  /** The packages whose code went into the bundle (name → version), for the SBOM. */
  readonly packages: ReadonlyMap<string, string>;
}

export async function bundleBin(source: string, outfile: string): Promise<BundleResult> {
  const result = await build({
    entryPoints: [source],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${NODE_FLOOR.split('.')[0]}`,
    banner: { js: REQUIRE_SHIM },
    // ws loads these optional native speed-ups in try/catch and falls back to JavaScript.
    external: ['bufferutil', 'utf-8-validate'],
    // Readable stack traces in production logs matter more than a few hundred KiB.
    minify: false,
    keepNames: true,
    legalComments: 'eof',
    metafile: true,
    // Inputs in the metafile are then relative to the repository: node_modules/…, kit/src/….
    absWorkingDir: ROOT,
    logLevel: 'warning',
  });
  return { packages: bundledPackages(Object.keys(result.metafile.inputs)) };
}

/**
 * The packages whose files went in: third-party ones by the innermost node_modules/<name>/ (or
 * @scope/name/) they sit in, the repository's own by their workspace folder.
 */
function bundledPackages(inputs: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const input of inputs) {
    const dependency = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
    const workspace = /^([^/.][^/]*)\//.exec(input)?.[1];
    const folder = dependency ?? workspace;
    if (folder === undefined) continue;
    const manifest = JSON.parse(readFileSync(join(ROOT, folder, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    found.set(manifest.name, manifest.version);
  }
  return found;
}
