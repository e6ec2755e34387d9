// The verifier in Node with an injected clock: boundaries that workerd tests cannot pin without
// sleeping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
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
