/**
 * The image's health check (unwrapper/bin/healthcheck.ts) on this machine, against a live
 * unwrapper: it finds the admin listener wherever the unwrapper's loader would (a flag, a
 * variable, the config file named by flag or variable, precedence included), and it says why when
 * it fails. Reading the flags of the container's main process is tested with podman, in
 * container-unwrapper.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createUnwrapper, loadConfig, type Unwrapper } from '@beats-gate/unwrapper';
import { ensureDevKeys } from '../dev/dev-keys.ts';
import { freePort } from './support/stack-fixture.ts';

const HEALTHCHECK = resolve(import.meta.dirname, '../unwrapper/bin/healthcheck.ts');

interface Outcome {
  code: number;
  stderr: string;
}

describe('the image health check finds the admin listener every way the unwrapper does', () => {
  let dir: string;
  let unwrapper: Unwrapper;
  let admin: string;
  let nobody: string;
  let base: Record<string, string>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bg-healthcheck-'));
    const keys = await ensureDevKeys(dir);
    base = {
      BEATS_GATE_UNWRAPPER_UPSTREAMS: '127.0.0.1:1',
      BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: keys.assertionKeys,
    };
    const loaded = loadConfig(
      ['--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--log-level', 'silent'],
      base,
    );
    assert.equal(loaded.kind, 'config');
    unwrapper = createUnwrapper(loaded.config);
    const addresses = await unwrapper.listen();
    admin = `127.0.0.1:${addresses.admin.port}`;
    // A port nothing listens on: the health check must fail there.
    nobody = `127.0.0.1:${await freePort()}`;
  });
  after(async () => {
    await unwrapper?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function check(args: string[], env: Record<string, string>): Promise<Outcome> {
    return promisify(execFile)(process.execPath, [HEALTHCHECK, ...args], {
      env: { ...base, ...env },
    }).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
  }

  async function configFile(name: string, adminListen: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify({ adminListen }));
    return path;
  }

  it('reads the variable, a wildcard address reached over loopback', async () => {
    const port = admin.split(':')[1];
    assert.deepEqual(await check([], { BEATS_GATE_UNWRAPPER_ADMIN_LISTEN: `0.0.0.0:${port}` }), {
      code: 0,
      stderr: '',
    });
    const down = await check([], { BEATS_GATE_UNWRAPPER_ADMIN_LISTEN: nobody });
    assert.equal(down.code, 1);
    assert.match(
      down.stderr,
      new RegExp(`unhealthy: GET http://${nobody}/healthz failed: ECONNREFUSED`),
    );
  });

  it('reads the flag, over the variable', async () => {
    const env = { BEATS_GATE_UNWRAPPER_ADMIN_LISTEN: nobody };
    assert.equal((await check(['--admin-listen', admin], env)).code, 0);
    assert.equal(
      (await check(['--admin-listen', nobody], { BEATS_GATE_UNWRAPPER_ADMIN_LISTEN: admin })).code,
      1,
    );
  });

  it('reads the config file named by the variable or the flag, under the variable', async () => {
    const good = await configFile('good.json', admin);
    const bad = await configFile('bad.json', nobody);
    assert.equal((await check([], { BEATS_GATE_UNWRAPPER_CONFIG: good })).code, 0);
    assert.equal((await check(['--config', good], {})).code, 0);
    assert.equal((await check([], { BEATS_GATE_UNWRAPPER_CONFIG: bad })).code, 1);
    // The variable wins over the file, as it does for the service.
    const over = { BEATS_GATE_UNWRAPPER_CONFIG: bad, BEATS_GATE_UNWRAPPER_ADMIN_LISTEN: admin };
    assert.equal((await check([], over)).code, 0);
  });

  it('fails with the loader’s own words when the configuration does not load', async () => {
    const outcome = await check([], { BEATS_GATE_UNWRAPPER_ADMIN_LISTEN: 'not-an-address' });
    assert.equal(outcome.code, 1);
    assert.match(outcome.stderr, /^unhealthy: the unwrapper's configuration does not load/);
    assert.match(outcome.stderr, /BEATS_GATE_UNWRAPPER_ADMIN_LISTEN/);
  });
});
