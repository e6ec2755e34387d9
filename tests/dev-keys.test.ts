import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER, ensureDevKeys, mintDevToken } from '../dev/dev-keys.ts';

const root = resolve(import.meta.dirname, '..');
const dir = await mkdtemp(join(tmpdir(), 'bg-dev-keys-'));
after(() => rm(dir, { recursive: true, force: true }));

describe('dev keys', () => {
  it('are generated once, kept private, and sign tokens the JWKS verifies', async () => {
    const first = await ensureDevKeys(dir);
    const again = await ensureDevKeys(dir);
    assert.deepEqual(again.signingJwk, first.signingJwk);
    assert.equal(again.assertionKeys, first.assertionKeys);
    assert.equal((await stat(first.signingKeyPath)).mode & 0o077, 0);
    assert.ok(first.signingJwk.kid && first.signingJwk.alg === 'ES256' && first.signingJwk.d);
    const jwks = JSON.parse(await readFile(first.jwksPath, 'utf8')) as typeof first.jwks;
    assert.equal(jwks.keys[0]?.d, undefined, 'the public JWKS must not hold the private part');

    const token = await mintDevToken(first, { sub: 'device-1', ttlSeconds: 60 });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      algorithms: ['ES256'],
    });
    assert.equal(payload.sub, 'device-1');
    assert.equal(payload.exp! - payload.iat!, 60);
  });

  it('`npm run token` prints only a JWT', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(root, 'dev/token.ts'), '--dir', dir, '--sub', 'x', '--ttl-seconds', '5'],
      { cwd: root },
    );
    assert.match(stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    await assert.rejects(
      promisify(execFile)(process.execPath, [
        join(root, 'dev/token.ts'),
        '--dir',
        dir,
        '--ttl-seconds',
        '0',
      ]),
      /--ttl-seconds: expected an integer from 1 to/,
    );
  });
});
