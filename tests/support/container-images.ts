/**
 * Images for the container tests, built with podman. Image registries cannot be reached here, so
 * the official Node image the Dockerfiles name is replaced by a stand-in with the same layout:
 * Debian bookworm from Debian's mirror (mmdebstrap), Node and npm from the npm registry in
 * /usr/local, and a `node` user with uid 1000. The Dockerfiles take their base as the build
 * argument NODE_IMAGE, so what is tested is the published Dockerfile with only its base swapped.
 *
 * Everything slow is done once per machine: the Debian tarball and the npm packages are kept in a
 * temporary directory, the stand-in is tagged by Node version, and podman reuses the build's
 * layers, so a second run only rebuilds what changed.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, '../..');
const CACHE = join(tmpdir(), 'beats-gate-container-cache');
const DEBIAN_IMAGE = 'localhost/beats-gate-stand-in-debian:bookworm';
export const UNWRAPPER_IMAGE = 'localhost/beats-gate-unwrapper:test';
export const TOOLS_IMAGE = 'localhost/beats-gate-tools:test';

/** What a machine needs for these tests; .ci/run installs it. */
export const PODMAN_SETUP =
  'apt-get install -y --no-install-recommends podman runc mmdebstrap, and in ' +
  '/etc/containers/containers.conf: default_ulimits = [] under [containers] and ' +
  'runtime = "runc" under [engine] (see .ci/run)';

/** Runs a command to completion; a failure names the command, its output's end and the fix. */
export async function exec(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number; cwd?: string } = {},
): Promise<string> {
  try {
    const { stdout } = await run(command, args, {
      cwd: options.cwd ?? ROOT,
      maxBuffer: 64 * 1024 * 1024,
      timeout: options.timeoutMs ?? 600_000,
      killSignal: 'SIGKILL',
    });
    return stdout;
  } catch (error) {
    const {
      stderr = '',
      stdout = '',
      code,
    } = error as { stderr?: string; stdout?: string; code?: unknown };
    const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-30).join('\n');
    const missing = code === 'ENOENT' ? ` (not installed: ${PODMAN_SETUP})` : '';
    throw new Error(`${command} ${args.join(' ')} failed${missing}:\n${tail}`, { cause: error });
  }
}

export const podman = (args: readonly string[], timeoutMs?: number) =>
  exec('podman', args, timeoutMs === undefined ? {} : { timeoutMs });

async function imageExists(name: string): Promise<boolean> {
  return exec('podman', ['image', 'exists', name]).then(
    () => true,
    () => false,
  );
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Debian bookworm (minbase), from Debian's mirror once, then from the cached tarball. */
async function debianImage(): Promise<string> {
  if (await imageExists(DEBIAN_IMAGE)) return DEBIAN_IMAGE;
  const tarball = join(CACHE, 'bookworm-minbase.tar');
  if (!(await exists(tarball))) {
    const partial = join(CACHE, `bookworm-minbase.${process.pid}.tar`);
    await exec('mmdebstrap', ['--variant=minbase', '--quiet', 'bookworm', partial]);
    await rename(partial, tarball);
  }
  await podman(['import', tarball, DEBIAN_IMAGE]);
  return DEBIAN_IMAGE;
}

/** `npm pack <spec>` into the cache (npm keeps its own cache too); the tarball's path. */
async function packed(spec: string): Promise<string> {
  const output = await exec('npm', ['pack', '--json', '--pack-destination', CACHE, spec]);
  const [{ filename }] = JSON.parse(output) as [{ filename: string }];
  return join(CACHE, filename);
}

/**
 * The stand-in for `node:<version>-bookworm-slim`, with this process's Node version. It also
 * trusts the certificate authorities this process was told to (NODE_EXTRA_CA_CERTS), so npm in
 * the build reaches the registry through the same intercepting proxy, if any, as npm here does.
 */
export async function standInNodeImage(): Promise<string> {
  const version = process.versions.node;
  const tag = `localhost/beats-gate-stand-in-node:${version}-bookworm`;
  if (await imageExists(tag)) return tag;
  await mkdir(CACHE, { recursive: true });
  const [debian, node, npm] = await Promise.all([
    debianImage(),
    packed(`node-linux-${process.arch}@${version}`),
    // The npm line that Node 22 ships.
    packed('npm@10'),
  ]);
  const context = await mkdtemp(join(tmpdir(), 'bg-stand-in-'));
  try {
    await mkdir(join(context, 'node'));
    await mkdir(join(context, 'npm'));
    await exec('tar', [
      '-xzf',
      node,
      '-C',
      join(context, 'node'),
      '--strip-components=2',
      'package/bin/node',
    ]);
    await exec('tar', ['-xzf', npm, '-C', join(context, 'npm'), '--strip-components=1']);
    const ca = process.env.NODE_EXTRA_CA_CERTS;
    if (ca) await copyFile(ca, join(context, 'extra-ca.crt'));
    const lines = [
      `FROM ${debian}`,
      'COPY node/node /usr/local/bin/node',
      'COPY npm /usr/local/lib/node_modules/npm',
      ...(ca
        ? [
            'COPY extra-ca.crt /usr/local/share/ca-certificates/extra-ca.crt',
            'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/extra-ca.crt',
          ]
        : []),
      'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm' +
        ' && groupadd --gid 1000 node' +
        ' && useradd --uid 1000 --gid node --shell /bin/bash --create-home node',
    ];
    await writeFile(join(context, 'Containerfile'), lines.join('\n') + '\n');
    await podman(['build', '--network', 'host', '--tag', tag, context]);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return tag;
}

/**
 * A Dockerfile of infra/ built from the repository root on the stand-in base. Docker format, not
 * OCI: an OCI image config has no HEALTHCHECK, and podman would drop it.
 */
async function buildImage(dockerfile: string, tag: string): Promise<string> {
  const base = await standInNodeImage();
  await podman([
    'build',
    '--network',
    'host',
    '--format',
    'docker',
    '--build-arg',
    `NODE_IMAGE=${base}`,
    '--file',
    dockerfile,
    '--tag',
    tag,
    ROOT,
  ]);
  return tag;
}

export const buildUnwrapperImage = () => buildImage('infra/unwrapper.Dockerfile', UNWRAPPER_IMAGE);
export const buildToolsImage = () => buildImage('infra/compose/tools.Dockerfile', TOOLS_IMAGE);
