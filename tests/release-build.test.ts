/**
 * `npm run build` (scripts/release/build.ts): every service and tool as a package folder of plain
 * JavaScript. The bundles run with type stripping switched off, away from the repository, with
 * no runtime dependency declared; the Lumberjack tools carry events over real sockets and the
 * unwrapper starts, serves its admin endpoint and stops on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureDevKeys } from '../dev/dev-keys.ts';
import { buildPackages } from '../scripts/release/build.ts';
import { PACKAGES } from '../scripts/release/packages.ts';
import { lumberjackRoundTrip } from '../scripts/release/round-trip.ts';
import { smokeTest } from '../scripts/release/smoke.ts';
import type { StagedPackage } from '../scripts/release/stage-package.ts';
import { freePort } from './support/stack-fixture.ts';

/** Node with type stripping off: a bundle that still needed it would fail to load. */
const PLAIN_NODE = [process.execPath, '--no-experimental-strip-types'];

let work: string;
let staged: StagedPackage[];
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'bg-release-build-'));
  staged = await buildPackages(work);
});
after(() => rm(work, { recursive: true, force: true }));

function bin(name: string): string {
  const file = staged.flatMap((pkg) => [...pkg.bins]).find(([bin]) => bin === name)?.[1];
  assert.ok(file, `no bin ${name} was built`);
  return file;
}

describe('the build', () => {
  it('stages one package per entry of PACKAGES, each bin a bundle', () => {
    assert.deepEqual(
      staged.map((pkg) => [...pkg.bins.keys()]),
      PACKAGES.map((spec) => spec.bins.map((b) => b.name)),
    );
    for (const pkg of staged) {
      const manifest = JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      assert.equal(manifest.dependencies, undefined, `${pkg.name} declares dependencies`);
      assert.equal((manifest.engines as { node: string }).node, '>=22');
      for (const file of Object.values(manifest.bin as Record<string, string>)) {
        assert.ok(existsSync(join(pkg.dir, file)), `${pkg.name}: ${file} is missing`);
      }
    }
  });

  it('answers --version and --help from every bin without type stripping', () => {
    for (const pkg of staged) {
      for (const [name, file] of pkg.bins) smokeTest([...PLAIN_NODE, file], name, pkg.version);
    }
  });

  it('bundles no TypeScript import and no bare import of a dependency', () => {
    for (const file of staged.flatMap((pkg) => [...pkg.bins.values()])) {
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /from ["'][^"']+\.ts["']/, `${file} imports a .ts file`);
      const bare = [...text.matchAll(/^import .* from ["']([^"'.][^"']*)["'];$/gm)]
        .map((match) => match[1])
        .filter((specifier) => specifier !== undefined && !isBuiltin(specifier));
      assert.deepEqual(bare, [], `${file} imports packages it should contain`);
    }
  });

  it('carries events from the built sender to the built receiver', async () => {
    const trip = await lumberjackRoundTrip(
      process.execPath,
      { receiver: bin('beats-gate-receiver'), send: bin('beats-gate-send') },
      300,
    );
    assert.deepEqual(trip, { acked: 300, written: 300 });
  });

  it('starts the built unwrapper, which answers /version and exits 0 on SIGTERM', async () => {
    const keys = await ensureDevKeys(join(work, 'keys'));
    const [port, admin] = [await freePort(), await freePort()];
    const [node, ...flags] = PLAIN_NODE;
    const child = spawn(node!, [...flags, bin('beats-gate-unwrapper')], {
      cwd: work,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: process.env.PATH,
        BEATS_GATE_UNWRAPPER_LISTEN: `127.0.0.1:${port}`,
        BEATS_GATE_UNWRAPPER_ADMIN_LISTEN: `127.0.0.1:${admin}`,
        BEATS_GATE_UNWRAPPER_UPSTREAMS: '127.0.0.1:9',
        BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: keys.assertionKeys,
      },
    });
    const exited = once(child, 'exit');
    try {
      const version = await adminVersion(admin);
      assert.equal(version, staged.find((pkg) => pkg.name === '@beats-gate/unwrapper')?.version);
      child.kill('SIGTERM');
      assert.deepEqual(await exited, [0, null]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

/** The version /version reports, polled for at most 30 s while the process starts. */
async function adminVersion(port: number): Promise<string> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const answer = await fetch(`http://127.0.0.1:${port}/version`).catch(() => undefined);
    if (answer?.ok) return ((await answer.json()) as { version: string }).version;
    await sleep(100);
  }
  throw new Error(`nothing answered on 127.0.0.1:${port}/version within 30 s`);
}
