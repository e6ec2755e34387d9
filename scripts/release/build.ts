/**
 * `npm run build`: every service and tool as an npm package folder of plain JavaScript under
 * dist/build/ (stage-package.ts), then a smoke test of each bin with the Node that runs this.
 *
 *   node scripts/release/build.ts [--out <dir>]
 */
import { parseCli } from './cli.ts';
import { BUILD_DIR, PACKAGES } from './packages.ts';
import { smokeTest } from './smoke.ts';
import { stagePackage, type StagedPackage } from './stage-package.ts';

export async function buildPackages(buildDir = BUILD_DIR): Promise<StagedPackage[]> {
  const staged: StagedPackage[] = [];
  for (const spec of PACKAGES) staged.push(await stagePackage(spec, buildDir));
  return staged;
}

const USAGE = `Usage: npm run build [-- --out <dir>]

Bundles every service and tool into an npm package folder of plain JavaScript
(default dist/build/), then runs each bin's --version and --help.`;

if (import.meta.main) {
  const values = parseCli(USAGE, { out: { type: 'string' } });
  const staged = await buildPackages(values.out as string | undefined);
  for (const pkg of staged) {
    for (const [name, file] of pkg.bins) {
      smokeTest([process.execPath, file], name, pkg.version);
      console.log(`built ${file} (${name} ${pkg.version}: --version and --help answer)`);
    }
  }
}
