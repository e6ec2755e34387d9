/**
 * The first half of the single-executable build (infra/sea/build.sh), which CI can afford: the
 * client bundles into one CommonJS file that runs on its own. Injecting it into a Node binary
 * (postject, about 40 s and 120 MB) is left to the release job.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoPath } from './infra/infra-files.ts';

let work: string;
let bundle: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'infra-sea-'));
  bundle = join(work, 'client.cjs');
  const built = spawnSync(process.execPath, [repoPath('infra/sea/bundle.ts'), bundle], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(built.status, 0, built.stderr);
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('infra/sea bundle', () => {
  it('is CommonJS without top-level await or ES module syntax left', () => {
    const text = readFileSync(bundle, 'utf8');
    assert.doesNotMatch(text, /^await main\(\);$/m);
    assert.doesNotMatch(text, /^(import|export) /m);
  });

  it('runs on its own, away from the repository and its node_modules', () => {
    const help = spawnSync(process.execPath, [bundle, '--help'], {
      cwd: work,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /beats-gate-client/);
    assert.match(help.stdout, /--url/);
  });

  it('refuses a bad configuration with exit code 2, as the npm bin does', () => {
    const bad = spawnSync(process.execPath, [bundle, '--listen', 'nonsense'], {
      cwd: work,
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH },
    });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /--listen/);
  });
});
