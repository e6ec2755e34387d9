// The verifier in Node with an injected clock: boundaries that workerd tests cannot pin without
// sleeping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { DEVICE_TOKEN_ERROR_CODES, DeviceTokenError } from '@beats-gate/protocol';
import { ERROR_SPECS } from './errors.ts';
import { TOKEN_ERROR_CODES, toEdgeError } from './token-errors.ts';
import { createTokenVerifier } from './token-verifier.ts';

const NOW = 1_800_000_000;

async function setup(options: { maxTokenAgeSeconds?: number; requiredScopes?: string[] } = {}) {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1' };
  const verify = createTokenVerifier(
    {
      keySource: { kind: 'inline', jwks: { keys: [jwk] } },
      algorithms: ['EdDSA'],
      issuer: 'iss',
      audience: ['aud'],
      clockToleranceSeconds: 30,
      requiredScopes: options.requiredScopes ?? [],
      ...(options.maxTokenAgeSeconds ? { maxTokenAgeSeconds: options.maxTokenAgeSeconds } : {}),
    },
    () => NOW * 1000,
  );
  const sign = (claims: JWTPayload) =>
    new SignJWT({ iss: 'iss', aud: 'aud', sub: 'dev', iat: NOW, exp: NOW + 60, ...claims })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .sign(privateKey);
  return { verify, sign };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('createTokenVerifier', () => {
  it('honours the clock tolerance on exp and nbf, and no further', async () => {
    const { verify, sign } = await setup();
    assert.equal((await verify(await sign({ exp: NOW - 29 }))).subject, 'dev');
    assert.equal(await codeOf(verify(await sign({ exp: NOW - 31 }))), 'ERR_EDGE_TOKEN_EXPIRED');
    assert.equal((await verify(await sign({ nbf: NOW + 29 }))).subject, 'dev');
    assert.equal(
      await codeOf(verify(await sign({ nbf: NOW + 31 }))),
      'ERR_EDGE_TOKEN_NOT_YET_VALID',
    );
  });

  it('applies the maximum token age', async () => {
    const { verify, sign } = await setup({ maxTokenAgeSeconds: 600 });
    assert.equal((await verify(await sign({ iat: NOW - 600 }))).subject, 'dev');
    assert.equal(await codeOf(verify(await sign({ iat: NOW - 700 }))), 'ERR_EDGE_TOKEN_TOO_OLD');
    assert.equal(
      await codeOf(verify(await sign({ iat: NOW + 120 }))),
      'ERR_EDGE_TOKEN_NOT_YET_VALID',
    );
  });

  it('returns subject, jti and exp, and checks their shape', async () => {
    const { verify, sign } = await setup();
    const verified = await verify(await sign({ jti: 'j-1' }));
    assert.equal(verified.tokenId, 'j-1');
    assert.equal(verified.expiresAt, NOW + 60);
    assert.equal(
      await codeOf(verify(await sign({ sub: 'x'.repeat(257) }))),
      'ERR_EDGE_TOKEN_CLAIM_INVALID',
    );
    // Issue 15: 200 × "€" is 200 UTF-16 units but 600 bytes, more than a KV key holds.
    assert.equal(
      await codeOf(verify(await sign({ sub: '€'.repeat(200) }))),
      'ERR_EDGE_TOKEN_CLAIM_INVALID',
    );
    assert.equal(await codeOf(verify(await sign({ jti: '' }))), 'ERR_EDGE_TOKEN_CLAIM_INVALID');
    assert.equal(
      await codeOf(verify(await sign({ exp: 'soon' as unknown as number }))),
      'ERR_EDGE_TOKEN_CLAIM_INVALID',
    );
  });

  it('requires every configured scope', async () => {
    const { verify, sign } = await setup({ requiredScopes: ['a', 'b'] });
    assert.equal((await verify(await sign({ scope: 'b c a' }))).subject, 'dev');
    assert.equal((await verify(await sign({ scp: 'a b' }))).subject, 'dev');
    assert.equal(await codeOf(verify(await sign({ scp: ['a'] }))), 'ERR_EDGE_SCOPE_INSUFFICIENT');
    assert.equal(await codeOf(verify(await sign({}))), 'ERR_EDGE_SCOPE_INSUFFICIENT');
  });
});

describe('toEdgeError', () => {
  it('maps every verifier code to a refusal (401/403) or, for keys, a 503', () => {
    for (const code of DEVICE_TOKEN_ERROR_CODES) {
      const edge = toEdgeError(new DeviceTokenError(code, 'm', { cause: new Error('jose') }));
      assert.equal(edge.code, TOKEN_ERROR_CODES[code]);
      assert.equal(edge.message, 'm');
      assert.equal((edge.cause as Error).message, 'jose', "the log names jose's finding");
      const { status } = ERROR_SPECS[edge.code];
      if (code === 'ERR_DEVICE_TOKEN_KEYS_UNAVAILABLE') assert.equal(status, 503);
      else assert.ok(status === 401 || status === 403, `${code} → ${status}`);
    }
    assert.equal(toEdgeError(new TypeError('bug')).code, 'ERR_EDGE_INTERNAL');
  });
});
