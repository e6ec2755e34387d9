/**
 * What `npm run release` does with the built packages: `npm pack`, then the operator's install,
 * `npm install -g <tarball>` into a throwaway prefix (offline: the tarballs need nothing else),
 * whose bins must answer; the SBOM of each package lists what its bundles contain; SHA256SUMS is
 * what `sha256sum -c` checks.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildPackages } from '../scripts/release/build.ts';
import { writeChecksums } from '../scripts/release/checksums.ts';
import { installGlobal, packTarball } from '../scripts/release/npm-tarball.ts';
import { packageSbom } from '../scripts/release/sbom.ts';
import { smokeTest } from '../scripts/release/smoke.ts';
import type { StagedPackage } from '../scripts/release/stage-package.ts';

let work: string;
let staged: StagedPackage[];
let tarballs: string[];
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'bg-release-npm-'));
  staged = await buildPackages(join(work, 'build'));
  tarballs = staged.map((pkg) => packTarball(pkg.dir, work));
});
after(() => rm(work, { recursive: true, force: true }));

describe('the npm tarballs', () => {
  it('install with npm install -g into a prefix, and every bin answers from there', () => {
    const prefix = join(work, 'prefix');
    staged.forEach((pkg, index) => {
      const bin = installGlobal(tarballs[index]!, prefix);
      for (const name of pkg.bins.keys()) smokeTest([join(bin, name)], name, pkg.version);
    });
  });

  it('hold only the bundles, the manifest, the README and the licence', () => {
    for (const tarball of tarballs) {
      const listing = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout;
      for (const entry of listing.trim().split('\n')) {
        assert.match(entry, /^package\/(bin\/[a-z-]+\.mjs|package\.json|README\.md|LICENSE)$/);
      }
    }
  });
});

describe('the SBOM of each package', () => {
  it('names the package and lists exactly the packages in its bundles', () => {
    for (const pkg of staged) {
      const bom = packageSbom(pkg);
      assert.equal(bom.bomFormat, 'CycloneDX');
      assert.equal(bom.metadata.component.name, pkg.name);
      const listed = bom.components.map((c) => `${c.name}@${c.version}`).sort();
      const bundled = [...pkg.bundled]
        .filter(([name]) => name !== pkg.name)
        .map(([name, version]) => `${name}@${version}`)
        .sort();
      assert.deepEqual(listed, bundled);
      assert.ok(
        listed.some((entry) => entry.startsWith('pino@')),
        'pino is in every bundle',
      );
    }
  });
});

describe('SHA256SUMS', () => {
  it('is what sha256sum -c verifies, and fails on a changed file', async () => {
    const dir = await mkdtemp(join(work, 'sums-'));
    await writeFile(join(dir, 'a.tgz'), 'first');
    await writeFile(join(dir, 'b.exe'), 'second');
    await writeChecksums(dir);
    const check = () =>
      spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
    assert.equal(check().status, 0, check().stderr);
    assert.match(check().stdout, /a\.tgz: OK\nb\.exe: OK/);
    await writeFile(join(dir, 'b.exe'), 'changed');
    assert.equal(check().status, 1);
  });
});
