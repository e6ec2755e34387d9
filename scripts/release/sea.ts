/**
 * The client as one executable per platform, with Node's single-executable applications: the
 * client's bundle (an ES module) goes into a copy of that platform's Node binary. Node 26's
 * `--build-sea` writes ELF, PE and Mach-O files alike, so every platform is built on this host
 * without postject; it must be the same Node version as the target binaries, fetched for the host.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inspectExecutable, type ExecutableFacts } from './executable-format.ts';
import { hostPlatform, nodeBinary, type Platform } from './node-binaries.ts';

/** The Node inside every executable: the active LTS line, on a release published for all five. */
export const SEA_NODE_VERSION = '26.10.0';

export const SEA_PLATFORMS: readonly Platform[] = [
  'linux-x64',
  'linux-arm64',
  'win-x64',
  'darwin-x64',
  'darwin-arm64',
];

export function seaFileName(version: string, platform: Platform): string {
  return `beats-gate-client-${version}-${platform}${platform.startsWith('win') ? '.exe' : ''}`;
}

/** Writes `output`, the executable for `platform` that runs `bundle` as its main module. */
export async function buildSea(platform: Platform, bundle: string, output: string): Promise<void> {
  const builder = await nodeBinary(hostPlatform(), SEA_NODE_VERSION);
  const target = await nodeBinary(platform, SEA_NODE_VERSION);
  const work = await mkdtemp(join(tmpdir(), 'bg-sea-'));
  try {
    const config = join(work, 'sea-config.json');
    const seaConfig = {
      main: bundle,
      mainFormat: 'module',
      executable: target.path,
      output,
      disableExperimentalSEAWarning: true,
      // Snapshots and code caches are specific to the CPU that makes them; this host is one.
      useSnapshot: false,
      useCodeCache: false,
    };
    await writeFile(config, JSON.stringify(seaConfig, null, 2));
    await mkdir(dirname(output), { recursive: true });
    execFileSync(builder.path, ['--build-sea', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const FORMAT_OF_OS = { linux: 'elf', win: 'pe', darwin: 'macho' } as const;

/**
 * Checks from its bytes that `output` is a `platform` executable with `bundle` embedded and the
 * SEA fuse flipped: what the release can check of the executables this host cannot run.
 */
export async function verifySea(
  platform: Platform,
  output: string,
  bundle: string,
): Promise<ExecutableFacts> {
  const facts = await inspectExecutable(output, await readFile(bundle));
  const [os, cpu] = platform.split('-') as [keyof typeof FORMAT_OF_OS, string];
  if (facts.format !== FORMAT_OF_OS[os] || facts.cpu !== cpu) {
    throw new Error(`${output}: a ${facts.format} ${facts.cpu} file, not ${platform}`);
  }
  if (!facts.fuseFlipped || !facts.containsMain) {
    throw new Error(`${output}: no SEA blob with the client in it (${JSON.stringify(facts)})`);
  }
  return facts;
}
