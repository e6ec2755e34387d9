/**
 * Bundles the client into one CommonJS file for a single executable (infra/sea/build.sh).
 * Node 22 runs only CommonJS as the embedded main script, and CommonJS has no top-level await,
 * so the bin's final `await main();` becomes a plain call with the same error handling as an
 * unhandled rejection would give. If the bin stops ending that way, the build fails loudly.
 *
 *   node infra/sea/bundle.ts <outfile>
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const entry = fileURLToPath(new URL('../../client/bin/beats-gate-client.ts', import.meta.url));
const outfile = process.argv[2];
if (!outfile) {
  console.error('usage: node infra/sea/bundle.ts <outfile>');
  process.exit(2);
}

const withoutTopLevelAwait: Plugin = {
  name: 'bin-without-top-level-await',
  setup(builder) {
    builder.onLoad({ filter: /beats-gate-client\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const call = /^await main\(\);$/m;
      if (!call.test(source)) {
        throw new Error(`${args.path} no longer ends with "await main();": update bundle.ts`);
      }
      const replaced = source.replace(
        call,
        'main().catch((error) => { console.error(error); process.exitCode = 1; });',
      );
      return { contents: replaced, loader: 'ts' };
    });
  },
};

await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  outfile,
  // Optional native speed-ups of ws, loaded in try/catch; the pure JS paths are used without them.
  external: ['bufferutil', 'utf-8-validate'],
  // import.meta does not exist in CommonJS; the bundle's own file stands in for it.
  define: { 'import.meta.url': '__sea_import_meta_url', 'import.meta.dirname': '__dirname' },
  banner: {
    js: 'const __sea_import_meta_url = require("node:url").pathToFileURL(__filename).href;',
  },
  plugins: [withoutTopLevelAwait],
  logLevel: 'warning',
});
