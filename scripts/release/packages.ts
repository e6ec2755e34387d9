/**
 * What a release is made of: the npm packages built from the workspaces, each with its bins.
 * Every other release step (bundling, packing, smoke tests, executables, the .deb) reads this
 * table, so a new bin is added here once.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');

/** Where `npm run build` stages the packages and `npm run release` writes what it ships. */
export const BUILD_DIR = join(ROOT, 'dist', 'build');
export const RELEASE_DIR = join(ROOT, 'dist', 'release');

/**
 * The oldest Node the bundles need: esbuild targets it, `engines` states it, and the release
 * smoke-tests the bundles on it and on each newer LTS line (NODE_LINES in node-binaries.ts).
 */
export const NODE_FLOOR = '22.0.0';

export interface BinSpec {
  /** The command's name, as installed on PATH. */
  readonly name: string;
  /** Its TypeScript source, relative to the repository root. */
  readonly source: string;
}

export interface PackageSpec {
  /** The workspace folder; its package.json gives name, version, description and licence. */
  readonly workspace: string;
  readonly bins: readonly BinSpec[];
}

export const PACKAGES: readonly PackageSpec[] = [
  {
    workspace: 'client',
    bins: [{ name: 'beats-gate-client', source: 'client/bin/beats-gate-client.ts' }],
  },
  {
    workspace: 'unwrapper',
    bins: [{ name: 'beats-gate-unwrapper', source: 'unwrapper/bin/beats-gate-unwrapper.ts' }],
  },
  {
    workspace: 'lumberjack',
    bins: [
      { name: 'beats-gate-receiver', source: 'lumberjack/bin/beats-gate-receiver.ts' },
      { name: 'beats-gate-send', source: 'lumberjack/bin/beats-gate-send.ts' },
    ],
  },
];

export interface WorkspaceManifest {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly license: string;
}

export function readManifest(workspace: string): WorkspaceManifest {
  const path = join(ROOT, workspace, 'package.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Partial<WorkspaceManifest>;
  for (const field of ['name', 'version', 'description', 'license'] as const) {
    if (typeof manifest[field] !== 'string') throw new Error(`${path}: no "${field}"`);
  }
  return manifest as WorkspaceManifest;
}

/** `@beats-gate/client` → `beats-gate-client`, the stem `npm pack` gives its tarball. */
export function tarballStem(name: string): string {
  return name.replace(/^@/, '').replace('/', '-');
}
