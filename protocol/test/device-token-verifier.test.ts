// The device-token verifier in Node with an injected clock: every refusal the edge and the
// unwrapper rely on, with the code each one must carry.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { CompactSign, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import {
  createDeviceKeySet,
  createDeviceTokenVerifier,
  DEVICE_TOKEN_ERROR_CODES,
  DeviceTokenError,
  type DeviceKeyResolver,
  type DeviceTokenErrorCode,
  type DeviceTokenVerifierOptions,
} from '../src/index.ts';

const NOW = 1_800_000_000;

const [es256, stranger, rs256] = await Promise.all([
  generateKeyPair('ES256', { extractable: true }),
  generateKeyPair('ES256', { extractable: true }),
  generateKeyPair('RS256', { extractable: true }),
]);
const publicJwk = async (key: CryptoKey, kid: string, alg: string): Promise<JWK> => ({
  ...(await exportJWK(key)),
  kid,
  alg,
});
const jwks = {
  keys: [
    await publicJwk(es256.publicKey, 'es', 'ES256'),
    await publicJwk(rs256.publicKey, 'rs', 'RS256'),
  ],
};

function verifier(options: Partial<DeviceTokenVerifierOptions> = {}) {
  return createDeviceTokenVerifier({
    keys: createDeviceKeySet({ kind: 'inline', jwks }),
    algorithms: ['ES256', 'EdDSA'],
    issuer: 'iss',
    audience: ['aud', 'other-aud'],
    clockToleranceSeconds: 30,
    now: () => NOW * 1000,
    ...options,
  });
}

const claims = (extra: JWTPayload = {}): JWTPayload => ({
  iss: 'iss',
  aud: 'aud',
  sub: 'device-1',
  iat: NOW,
  exp: NOW + 60,
  ...extra,
});

function sign(
  extra: JWTPayload = {},
  header: Record<string, unknown> = {},
  key = es256.privateKey,
) {
  return new SignJWT(claims(extra))
    .setProtectedHeader({ alg: 'ES256', kid: 'es', ...header })
    .sign(key);
}

/** Signs any header and payload text, including what SignJWT refuses to produce. */
function signRaw(header: Record<string, unknown>, payload: string, key = es256.privateKey) {
  const crit = Array.isArray(header.crit)
    ? Object.fromEntries((header.crit as string[]).map((name) => [name, true]))
    : undefined;
  return new CompactSign(new TextEncoder().encode(payload))
    .setProtectedHeader({ alg: 'ES256', kid: 'es', ...header })
    .sign(key, crit ? { crit } : undefined);
}

const base64url = (text: string) => Buffer.from(text).toString('base64url');

async function codeOf(promise: Promise<unknown>): Promise<DeviceTokenErrorCode | 'accepted'> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DeviceTokenError, `not a DeviceTokenError: ${String(error)}`);
    return error.code;
  }
  return 'accepted';
}

describe('createDeviceTokenVerifier', () => {
  it('returns subject, jti and exp of a valid token', async () => {
    const verified = await verifier()(await sign({ jti: 'j-1', aud: 'other-aud' }));
    assert.equal(verified.subject, 'device-1');
    assert.equal(verified.tokenId, 'j-1');
    assert.equal(verified.expiresAt, NOW + 60);
    assert.equal(verified.payload.iss, 'iss');
    assert.equal((await verifier()(await sign())).tokenId, undefined);
  });

  it('honours the clock tolerance on exp and nbf, and no further', async () => {
    const verify = verifier();
    assert.equal(await codeOf(verify(await sign({ exp: NOW - 29 }))), 'accepted');
    assert.equal(await codeOf(verify(await sign({ exp: NOW - 31 }))), 'ERR_DEVICE_TOKEN_EXPIRED');
    assert.equal(await codeOf(verify(await sign({ nbf: NOW + 29 }))), 'accepted');
    assert.equal(
      await codeOf(verify(await sign({ nbf: NOW + 31 }))),
      'ERR_DEVICE_TOKEN_NOT_YET_VALID',
    );
  });

  it('applies the maximum token age, which makes iat required', async () => {
    const verify = verifier({ maxTokenAgeSeconds: 600 });
    assert.equal(await codeOf(verify(await sign({ iat: NOW - 600 }))), 'accepted');
    assert.equal(await codeOf(verify(await sign({ iat: NOW - 700 }))), 'ERR_DEVICE_TOKEN_TOO_OLD');
    assert.equal(
      await codeOf(verify(await sign({ iat: NOW + 120 }))),
      'ERR_DEVICE_TOKEN_NOT_YET_VALID',
    );
    assert.equal(
      await codeOf(verify(await sign({ iat: undefined }))),
      'ERR_DEVICE_TOKEN_CLAIM_MISSING',
    );
    assert.equal(await codeOf(verifier()(await sign({ iat: undefined }))), 'accepted');
  });

  it('bounds sub and jti in UTF-8 bytes, not in UTF-16 units', async () => {
    const verify = verifier();
    const accepted: [string, string][] = [
      ['256 ASCII characters', 'x'.repeat(256)],
      ['85 × "€" (255 bytes)', '€'.repeat(85)],
      ['64 × "😀" (256 bytes, 128 units)', '😀'.repeat(64)],
    ];
    for (const [what, id] of accepted) {
      assert.equal(await codeOf(verify(await sign({ sub: id }))), 'accepted', `sub: ${what}`);
      assert.equal(await codeOf(verify(await sign({ jti: id }))), 'accepted', `jti: ${what}`);
    }
    const refused: [string, unknown][] = [
      ['257 ASCII characters', 'x'.repeat(257)],
      ['86 × "€" (258 bytes, 86 units)', '€'.repeat(86)],
      ['200 × "€" (600 bytes, 200 units)', '€'.repeat(200)],
      ['200 CJK characters (600 bytes)', '漢'.repeat(200)],
      ['65 × "😀" (260 bytes)', '😀'.repeat(65)],
      ['a lone surrogate', 'device-\ud800'],
      ['an empty string', ''],
      ['a number', 42],
    ];
    for (const [what, id] of refused) {
      assert.equal(
        await codeOf(verify(await sign({ sub: id as string }))),
        'ERR_DEVICE_TOKEN_CLAIM_INVALID',
        `sub: ${what}`,
      );
      assert.equal(
        await codeOf(verify(await sign({ jti: id as string }))),
        'ERR_DEVICE_TOKEN_CLAIM_INVALID',
        `jti: ${what}`,
      );
    }
    const wider = verifier({ maxIdentifierBytes: 508 });
    assert.equal(await codeOf(wider(await sign({ sub: '€'.repeat(169) }))), 'accepted');
    assert.equal(
      await codeOf(wider(await sign({ sub: '€'.repeat(170) }))),
      'ERR_DEVICE_TOKEN_CLAIM_INVALID',
    );
  });

  it('requires every configured scope, from scope or scp', async () => {
    const verify = verifier({ requiredScopes: ['a', 'b'] });
    assert.equal(await codeOf(verify(await sign({ scope: 'b c a' }))), 'accepted');
    assert.equal(await codeOf(verify(await sign({ scp: 'a b' }))), 'accepted');
    assert.equal(await codeOf(verify(await sign({ scp: ['a', 'b'] }))), 'accepted');
    assert.equal(
      await codeOf(verify(await sign({ scp: ['a'] }))),
      'ERR_DEVICE_TOKEN_SCOPE_INSUFFICIENT',
    );
    assert.equal(await codeOf(verify(await sign())), 'ERR_DEVICE_TOKEN_SCOPE_INSUFFICIENT');
    assert.equal(await codeOf(verifier()(await sign())), 'accepted', 'no scope required');
  });

  it('refuses any crit header, even the b64 extension jose itself accepts', async () => {
    const verify = verifier();
    for (const [header, payload] of [
      [{ crit: ['exp-ext'], 'exp-ext': true }, JSON.stringify(claims())],
      [{ crit: ['b64'], b64: true }, JSON.stringify(claims())],
    ] as const) {
      assert.equal(
        await codeOf(verify(await signRaw({ ...header }, payload))),
        'ERR_DEVICE_TOKEN_UNKNOWN_CRIT',
        JSON.stringify(header),
      );
    }
  });

  it('refuses tokens whose header names their own key', async () => {
    const verify = verifier();
    const jwk = await publicJwk(stranger.publicKey, 'attacker', 'ES256');
    for (const [name, value] of [
      ['jku', 'https://evil.example/k'],
      ['x5u', 'https://evil.example/c'],
      ['jwk', jwk],
      ['x5c', ['MIIB']],
    ] as const) {
      const token = await sign({}, { [name]: value }, stranger.privateKey);
      assert.equal(await codeOf(verify(token)), 'ERR_DEVICE_TOKEN_FORBIDDEN_HEADER', name);
    }
  });

  it('checks the algorithm against the allowlist before looking up a key', async () => {
    let lookups = 0;
    const verify = verifier({
      keys: (header, token) => {
        lookups += 1;
        return createDeviceKeySet({ kind: 'inline', jwks })(header, token);
      },
    });
    const unsigned = `${base64url('{"alg":"none"}')}.${base64url(JSON.stringify(claims()))}.`;
    const hs256 = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: 'es' })
      .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
    const rs = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', kid: 'rs' })
      .sign(rs256.privateKey);
    for (const token of [unsigned, hs256, rs]) {
      assert.equal(await codeOf(verify(token)), 'ERR_DEVICE_TOKEN_ALG_NOT_ALLOWED');
    }
    assert.equal(lookups, 0);
  });

  it('refuses what is not a compact JWS before parsing it', async () => {
    const verify = verifier();
    for (const [what, token] of [
      ['two segments', 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0'],
      ['four segments', 'a.b.c.d'],
      ['non-base64url characters', 'eyJhbGciOiJFUzI1NiJ9.e30*.c2ln'],
      ['padding', 'eyJhbGciOiJFUzI1NiJ9.e30=.c2ln'],
      ['a space', 'eyJhbGciOiJFUzI1NiJ9 .e30.c2ln'],
      ['a header that is not JSON', `${base64url('not json')}.e30.c2ln`],
      ['the JSON serialization', JSON.stringify({ payload: 'e30', signature: 'c2ln' })],
      ['a payload that is not JSON', await signRaw({}, 'nope')],
    ] as const) {
      assert.equal(await codeOf(verify(token)), 'ERR_DEVICE_TOKEN_MALFORMED', what);
    }
  });

  it('tells an unknown key from a bad signature from wrong claims', async () => {
    const verify = verifier();
    assert.equal(
      await codeOf(verify(await sign({}, { kid: 'nobody' }))),
      'ERR_DEVICE_TOKEN_UNKNOWN_KEY',
    );
    assert.equal(
      await codeOf(verify(await sign({}, {}, stranger.privateKey))),
      'ERR_DEVICE_TOKEN_BAD_SIGNATURE',
    );
    const cases: [JWTPayload, DeviceTokenErrorCode][] = [
      [{ iss: 'https://evil.example' }, 'ERR_DEVICE_TOKEN_ISSUER_INVALID'],
      [{ iss: undefined }, 'ERR_DEVICE_TOKEN_ISSUER_INVALID'],
      [{ aud: 'another-service' }, 'ERR_DEVICE_TOKEN_AUDIENCE_INVALID'],
      [{ aud: undefined }, 'ERR_DEVICE_TOKEN_AUDIENCE_INVALID'],
      [{ exp: undefined }, 'ERR_DEVICE_TOKEN_CLAIM_MISSING'],
      [{ sub: undefined }, 'ERR_DEVICE_TOKEN_CLAIM_MISSING'],
      [{ exp: 'soon' as unknown as number }, 'ERR_DEVICE_TOKEN_CLAIM_INVALID'],
    ];
    for (const [extra, code] of cases) {
      assert.equal(await codeOf(verify(await sign(extra))), code, JSON.stringify(extra));
    }
  });

  it('asks for a kid when several keys match', async () => {
    const twins = {
      keys: [
        { ...(await exportJWK(es256.publicKey)), alg: 'ES256' },
        { ...(await exportJWK(stranger.publicKey)), alg: 'ES256' },
      ],
    };
    const verify = verifier({ keys: createDeviceKeySet({ kind: 'inline', jwks: twins }) });
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256' })
      .sign(es256.privateKey);
    assert.equal(await codeOf(verify(token)), 'ERR_DEVICE_TOKEN_UNKNOWN_KEY');
  });

  it('never fails open when keys cannot be loaded', async () => {
    const failing: DeviceKeyResolver = () => Promise.reject(new TypeError('fetch failed'));
    assert.equal(
      await codeOf(verifier({ keys: failing })(await sign())),
      'ERR_DEVICE_TOKEN_KEYS_UNAVAILABLE',
    );
    const leaky = createDeviceKeySet({
      kind: 'inline',
      jwks: { keys: [{ ...(await exportJWK(es256.privateKey)), kid: 'es', alg: 'ES256' }] },
    });
    assert.equal(
      await codeOf(verifier({ keys: leaky })(await sign())),
      'ERR_DEVICE_TOKEN_KEYS_UNAVAILABLE',
      'a private key in the key set is refused by jose, and the token with it',
    );
  });

  it('fetches a remote key set once for many tokens, and refuses with 503-class code when it fails', async () => {
    let fetches = 0;
    let healthy = true;
    const server = createServer((_request, response) => {
      fetches += 1;
      response.writeHead(healthy ? 200 : 500, { 'content-type': 'application/json' });
      response.end(healthy ? JSON.stringify(jwks) : '{}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`);
      const verify = verifier({ keys: createDeviceKeySet({ kind: 'remote', url }) });
      for (let i = 0; i < 3; i++) {
        assert.equal(await codeOf(verify(await sign({ jti: `t${i}` }))), 'accepted');
      }
      assert.equal(fetches, 1);

      healthy = false;
      const cold = verifier({
        keys: createDeviceKeySet({ kind: 'remote', url, cooldownMs: 0 }),
      });
      assert.equal(await codeOf(cold(await sign())), 'ERR_DEVICE_TOKEN_KEYS_UNAVAILABLE');
    } finally {
      server.close();
    }
  });

  it('raises every code of the union (a code nothing raises is a dead mapping)', async () => {
    // Each code once more, from the cheapest input that provokes it.
    const failing: DeviceKeyResolver = () => Promise.reject(new Error('down'));
    const provoked = new Set<DeviceTokenErrorCode | 'accepted'>([
      await codeOf(verifier()('a.b')),
      await codeOf(verifier()(await sign({}, { jku: 'https://evil.example' }))),
      await codeOf(verifier()(await signRaw({ crit: ['x'], x: 1 }, JSON.stringify(claims())))),
      await codeOf(verifier({ algorithms: ['EdDSA'] })(await sign())),
      await codeOf(verifier()(await sign({}, { kid: 'nobody' }))),
      await codeOf(verifier()(await sign({}, {}, stranger.privateKey))),
      await codeOf(verifier()(await sign({ exp: NOW - 60 }))),
      await codeOf(verifier()(await sign({ nbf: NOW + 60 }))),
      await codeOf(verifier({ maxTokenAgeSeconds: 1 })(await sign({ iat: NOW - 60 }))),
      await codeOf(verifier()(await sign({ iss: 'x' }))),
      await codeOf(verifier()(await sign({ aud: 'x' }))),
      await codeOf(verifier()(await sign({ sub: undefined }))),
      await codeOf(verifier()(await sign({ jti: '' }))),
      await codeOf(verifier({ requiredScopes: ['s'] })(await sign())),
      await codeOf(verifier({ keys: failing })(await sign())),
    ]);
    assert.deepEqual([...provoked].sort(), [...DEVICE_TOKEN_ERROR_CODES].sort());
  });

  it('validates its options when built, naming the option', () => {
    const cases: [Partial<DeviceTokenVerifierOptions>, RegExp][] = [
      [{ algorithms: [] }, /algorithms/],
      [{ algorithms: ['HS256'] }, /algorithms .*HS256/],
      [{ algorithms: ['none'] }, /algorithms/],
      [{ issuer: '' }, /issuer/],
      [{ audience: [] }, /audience/],
      [{ audience: '' }, /audience/],
      [{ clockToleranceSeconds: 301 }, /clockToleranceSeconds .*301/],
      [{ clockToleranceSeconds: -1 }, /clockToleranceSeconds/],
      [{ clockToleranceSeconds: 1.5 }, /clockToleranceSeconds/],
      [{ maxTokenAgeSeconds: 0 }, /maxTokenAgeSeconds/],
      [{ requiredScopes: ['a b'] }, /requiredScopes/],
      [{ maxIdentifierBytes: 509 }, /maxIdentifierBytes .*509/],
      [{ maxIdentifierBytes: 0 }, /maxIdentifierBytes/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => verifier(options), { name: 'RangeError', message }, message.source);
    }
  });
});
