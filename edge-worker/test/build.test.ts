// `npm run build` must bundle offline: wrangler's dry run with no network and no metrics.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runOffline } from './support/run.ts';

const packageDir = join(import.meta.dirname, '..');
const wrangler = join(packageDir, '..', 'node_modules', '.bin', 'wrangler');

describe('wrangler deploy --dry-run', () => {
  let outdir: string | undefined;
  after(async () => {
    if (outdir) await rm(outdir, { recursive: true, force: true });
  });

  it('bundles the worker offline with every binding of wrangler.jsonc', async () => {
    outdir = await mkdtemp(join(tmpdir(), 'beats-gate-edge-build-'));
    const { code, output } = await runOffline(
      wrangler,
      ['deploy', '--dry-run', '--outdir', outdir],
      packageDir,
    );
    assert.equal(code, 0, output);
    for (const binding of ['env.DENYLIST', 'env.UPGRADE_LIMITER', 'env.FAILURE_LIMITER']) {
      assert.ok(output.includes(binding), `${binding} missing from:\n${output}`);
    }
    const bundle = await readFile(join(outdir, 'index.js'), 'utf8');
    assert.ok(bundle.includes('/v1/tunnel'));
    assert.ok(!/from ["']node:/.test(bundle), 'the bundle imports a Node built-in');
  });
});
