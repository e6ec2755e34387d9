// The JWT key check against inline key sets and a JWKS served over HTTP on loopback.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, type JSONWebKeySet, type JWK } from 'jose';
import { hasOpenssl } from '../../test/helpers/certs.ts';
import { jwtKeysStep } from './jwt-keys-step.ts';

const signal = new AbortController().signal;
const DAY_MS = 86_400_000;

async function publicJwk(alg: 'ES256' | 'EdDSA' | 'RS256', extra: Partial<JWK>): Promise<JWK> {
  const { publicKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(publicKey)), ...extra };
}

function jwtConfig(source: { jwks: JSONWebKeySet } | { jwksUrl: string }) {
  return {
    ...source,
    issuer: 'https://idp.example',
    audience: 'beats-gate',
    algorithms: ['ES256', 'EdDSA'],
    clockToleranceSeconds: 5,
  };
}

describe('jwt keys step', () => {
  let server: Server;
  let base: string;
  let served: JSONWebKeySet;
  before(async () => {
    served = { keys: [await publicJwk('ES256', { kid: 'remote-1', alg: 'ES256', use: 'sig' })] };
    server = createServer((request, response) => {
      if (request.url !== '/jwks.json') return response.writeHead(404).end('not found');
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(served));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('counts the keys the verifier can use and names the ones it cannot', async () => {
    const jwks = {
      keys: [
        await publicJwk('ES256', { kid: 'current' }),
        await publicJwk('EdDSA', { kid: 'next', alg: 'EdDSA' }),
        await publicJwk('RS256', { kid: 'legacy', alg: 'RS256' }),
        await publicJwk('ES256', { kid: 'crypt', use: 'enc' }),
      ],
    };
    const outcome = await jwtKeysStep(jwtConfig({ jwks })).run(signal);
    assert.deepEqual(outcome, {
      ok: true,
      detail:
        '2 usable: kid "current" (ES256), kid "next" (EdDSA); unusable: ' +
        'kid "legacy": alg RS256 is not in jwtAlgorithms, kid "crypt": use "enc", not "sig"',
    });
  });

  it('fails when no key fits jwtAlgorithms', async () => {
    const jwks = { keys: [await publicJwk('RS256', { kid: 'rsa' })] };
    const outcome = await jwtKeysStep(jwtConfig({ jwks })).run(signal);
    assert.ok(!outcome.ok);
    assert.equal(
      outcome.problem,
      'no usable key in jwtJwksFile (1 key; unusable: kid "rsa": not a public key for ES256 or EdDSA)',
    );
    assert.match(outcome.fix, /publish the current signing key \(ES256 or EdDSA\)/);
  });

  it('fetches a remote JWKS as the verifier does', async () => {
    const outcome = await jwtKeysStep(jwtConfig({ jwksUrl: `${base}/jwks.json` })).run(signal);
    assert.deepEqual(outcome, { ok: true, detail: '1 usable: kid "remote-1" (ES256)' });
  });

  it('fails naming the URL when the JWKS cannot be fetched', async () => {
    const outcome = await jwtKeysStep(jwtConfig({ jwksUrl: `${base}/missing` })).run(signal);
    assert.ok(!outcome.ok);
    assert.match(outcome.problem, new RegExp(`^cannot fetch the JWKS at ${base}/missing: `));
  });

  it(
    'names a key whose certificate has expired',
    { skip: hasOpenssl() ? false : 'openssl CLI not available' },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'jwt-keys-'));
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
          .concat(['-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')])
          .concat(['-days', '1', '-subj', '/CN=idp-signing']),
        { stdio: 'ignore' },
      );
      const cert = new X509Certificate(readFileSync(join(dir, 'c.pem')));
      const jwk = {
        ...(cert.publicKey.export({ format: 'jwk' }) as JWK),
        kid: 'old',
        x5c: [cert.raw.toString('base64')],
      };
      const now = () => cert.validToDate.getTime() + DAY_MS;
      const outcome = await jwtKeysStep(jwtConfig({ jwks: { keys: [jwk] } }), now).run(signal);
      assert.ok(!outcome.ok);
      assert.match(outcome.problem, /kid "old": certificate expired 20\d\d-/);
      const fresh = await jwtKeysStep(jwtConfig({ jwks: { keys: [jwk] } })).run(signal);
      assert.deepEqual(fresh, { ok: true, detail: '1 usable: kid "old" (ES256)' });
    },
  );
});
