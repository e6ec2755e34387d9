/**
 * Lays out one npm package in a folder, ready for `npm pack`: each bin bundled (bundle.ts), a
 * package.json with no runtime dependencies (everything is in the bundles), the README and the
 * licence. The workspace's own package.json stays as it is, for development.
 */
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleBin } from './bundle.ts';
import { NODE_FLOOR, ROOT, readManifest, tarballStem, type PackageSpec } from './packages.ts';

export interface StagedPackage {
  readonly spec: PackageSpec;
  readonly name: string;
  readonly version: string;
  /** The folder `npm pack` turns into `<stem>-<version>.tgz`. */
  readonly dir: string;
  /** Bin name → its bundle, an absolute path. */
  readonly bins: ReadonlyMap<string, string>;
  /** Third-party packages inside the bundles (name → version). */
  readonly bundled: ReadonlyMap<string, string>;
}

export async function stagePackage(spec: PackageSpec, buildDir: string): Promise<StagedPackage> {
  const manifest = readManifest(spec.workspace);
  const dir = join(buildDir, tarballStem(manifest.name));
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'bin'), { recursive: true });

  const bins = new Map<string, string>();
  const bundled = new Map<string, string>();
  for (const bin of spec.bins) {
    const outfile = join(dir, 'bin', `${bin.name}.mjs`);
    const result = await bundleBin(join(ROOT, bin.source), outfile);
    bins.set(bin.name, outfile);
    for (const [name, version] of result.packages) bundled.set(name, version);
  }

  const packageJson = {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    license: manifest.license,
    type: 'module',
    engines: { node: `>=${NODE_FLOOR.replace(/\.0\.0$/, '')}` },
    bin: Object.fromEntries(spec.bins.map((bin) => [bin.name, `bin/${bin.name}.mjs`])),
    files: ['bin/'],
  };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
  await writeFile(join(dir, 'README.md'), readme(manifest.name, manifest.description, spec));
  const licence = join(ROOT, 'LICENSE');
  if (existsSync(licence)) await copyFile(licence, join(dir, 'LICENSE'));
  return { spec, name: manifest.name, version: manifest.version, dir, bins, bundled };
}

function readme(name: string, description: string, spec: PackageSpec): string {
  const commands = spec.bins.map((bin) => `- \`${bin.name}\` (\`${bin.name} --help\`)`);
  return [
    `# ${name}`,
    '',
    `${description}.`,
    '',
    `Commands, each one JavaScript file with its dependencies bundled (Node ${NODE_FLOOR.split('.')[0]} or later, no other package needed):`,
    '',
    ...commands,
    '',
    'Install: `npm install -g <this tarball>`. Configuration, operation and the other ways to',
    'install (single executables, the Debian package, the container image) are in the',
    "project's docs/install.md.",
    '',
  ].join('\n');
}
