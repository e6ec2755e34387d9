/**
 * `npm run release`: everything an operator installs, in dist/release/, each piece checked
 * before it is written down in SHA256SUMS.
 *
 * 1. The npm packages (build.ts), smoke-tested on every supported Node line, packed, and each
 *    tarball installed with `npm install -g` into a throwaway prefix whose bins must answer.
 * 2. A CycloneDX SBOM per package, of what its bundles contain (sbom.ts).
 * 3. The client's single executables for five platforms (sea.ts): the one for this host runs
 *    its smoke test, the others are checked by their bytes (executable-format.ts).
 * 4. The client's Debian packages, amd64 and arm64 (deb.ts).
 * 5. SHA256SUMS over all of it.
 *
 *   npm run release [-- --only-host]   (--only-host: just this host's executable and .deb)
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackages } from './build.ts';
import { parseCli } from './cli.ts';
import { writeChecksums } from './checksums.ts';
import { DEB_ARCH, buildDeb, lintDeb } from './deb.ts';
import { NODE_LINES, hostPlatform, nodeBinary, type Platform } from './node-binaries.ts';
import { installGlobal, packTarball } from './npm-tarball.ts';
import { BUILD_DIR, RELEASE_DIR, tarballStem } from './packages.ts';
import { lumberjackRoundTrip } from './round-trip.ts';
import { packageSbom } from './sbom.ts';
import { SEA_NODE_VERSION, SEA_PLATFORMS, buildSea, seaFileName, verifySea } from './sea.ts';
import { smokeTest } from './smoke.ts';
import type { StagedPackage } from './stage-package.ts';

const USAGE = `Usage: npm run release [-- --only-host]

Writes dist/release/: the npm tarballs of the client, the unwrapper and the
Lumberjack tools, their CycloneDX SBOMs, the client's single executables
(linux-x64, linux-arm64, win-x64, darwin-x64, darwin-arm64), its .deb (amd64,
arm64) and SHA256SUMS, checking each piece first. Fetches Node's binaries from
the npm registry once (dist/cache/node/). See docs/install.md.

  --only-host   only this machine's executable and .deb`;

const values = parseCli(USAGE, { 'only-host': { type: 'boolean' } });
const onlyHost = values['only-host'] === true;
const log = (line: string): void => console.log(`release: ${line}`);

await rm(RELEASE_DIR, { recursive: true, force: true });
await mkdir(RELEASE_DIR, { recursive: true });
const staged = await buildPackages(BUILD_DIR);
const client = findPackage(staged, '@beats-gate/client');
await checkOnNodeLines(staged);
await packAndInstall(staged);
const executables = await buildExecutables(client);
await buildDebs(client, executables);
log(`checksums ${await writeChecksums(RELEASE_DIR)}`);

/** Every bin's smoke test, and 1,000 events from the built sender to the built receiver. */
async function checkOnNodeLines(packages: StagedPackage[]): Promise<void> {
  const lumberjack = findPackage(packages, '@beats-gate/lumberjack');
  const bins = {
    receiver: binOf(lumberjack, 'beats-gate-receiver'),
    send: binOf(lumberjack, 'beats-gate-send'),
  };
  for (const version of NODE_LINES) {
    const node = await nodeBinary(hostPlatform(), version);
    for (const pkg of packages) {
      for (const [name, file] of pkg.bins) smokeTest([node.path, file], name, pkg.version);
    }
    const trip = await lumberjackRoundTrip(node.path, bins, 1000);
    if (trip.acked !== 1000 || trip.written !== 1000) {
      throw new Error(`Node ${version}: 1000 sent, ${trip.acked} acked, ${trip.written} written`);
    }
    log(`Node ${version}: every bin answers --version and --help; 1000 events sent and written`);
  }
}

/** The tarballs, each installed with npm install -g into a throwaway prefix; the SBOMs. */
async function packAndInstall(packages: StagedPackage[]): Promise<void> {
  const prefix = await mkdtemp(join(tmpdir(), 'bg-release-prefix-'));
  try {
    for (const pkg of packages) {
      const tarball = packTarball(pkg.dir, RELEASE_DIR);
      const bin = installGlobal(tarball, prefix);
      for (const name of pkg.bins.keys()) smokeTest([join(bin, name)], name, pkg.version);
      const sbom = join(RELEASE_DIR, `${tarballStem(pkg.name)}-${pkg.version}.cdx.json`);
      await writeFile(sbom, `${JSON.stringify(packageSbom(pkg), null, 2)}\n`);
      log(`${tarball}: installs with npm install -g and its bins answer; SBOM ${sbom}`);
    }
  } finally {
    await rm(prefix, { recursive: true, force: true });
  }
}

/** The client's executables, this host's run, the others checked by their bytes. */
async function buildExecutables(pkg: StagedPackage): Promise<Map<Platform, string>> {
  const bundle = binOf(pkg, 'beats-gate-client');
  const built = new Map<Platform, string>();
  for (const platform of onlyHost ? [hostPlatform()] : SEA_PLATFORMS) {
    const output = join(RELEASE_DIR, seaFileName(pkg.version, platform));
    await buildSea(platform, bundle, output);
    const facts = await verifySea(platform, output, bundle);
    const runs = platform === hostPlatform();
    if (runs) smokeTest([output], 'beats-gate-client', pkg.version);
    log(`${output}: ${facts.format} ${facts.cpu}, SEA blob in place${runs ? ', runs' : ''}`);
    built.set(platform, output);
  }
  // Each executable carries Node; its licence (MIT, with those of the libraries in it) goes along.
  const licence = join(RELEASE_DIR, `node-${SEA_NODE_VERSION}-LICENSE.txt`);
  await copyFile(
    join((await nodeBinary(hostPlatform(), SEA_NODE_VERSION)).dir, 'LICENSE'),
    licence,
  );
  return built;
}

/** The .deb of each Linux executable, checked by lintian where it is installed. */
async function buildDebs(pkg: StagedPackage, executables: Map<Platform, string>): Promise<void> {
  const host = executables.get(hostPlatform());
  if (host === undefined) throw new Error(`no executable for this host (${hostPlatform()})`);
  const help = execFileSync(host, ['--help'], { encoding: 'utf8' });
  const nodeLicence = join(RELEASE_DIR, `node-${SEA_NODE_VERSION}-LICENSE.txt`);
  for (const [platform, arch] of Object.entries(DEB_ARCH)) {
    const executable = executables.get(platform as Platform);
    if (executable === undefined) continue; // --only-host on another platform
    const outDir = RELEASE_DIR;
    const deb = await buildDeb({
      executable,
      version: pkg.version,
      arch,
      outDir,
      help,
      nodeLicence,
    });
    const linted = lintDeb(deb);
    log(`${deb}: built, ${linted ? 'lintian-clean' : 'NOT linted (apt-get install lintian)'}`);
  }
}

function findPackage(all: StagedPackage[], name: string): StagedPackage {
  const found = all.find((pkg) => pkg.name === name);
  if (found === undefined) throw new Error(`no package ${name} in scripts/release/packages.ts`);
  return found;
}

function binOf(pkg: StagedPackage, name: string): string {
  const file = pkg.bins.get(name);
  if (file === undefined) throw new Error(`${pkg.name} has no bin ${name}`);
  return file;
}
