// The optional JWT re-check refuses what the edge refuses (it is the same verifier), and maps each
// verifier code to one of the unwrapper's refusals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompactSign, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { createJwtCheck, type JwtCheckConfig } from './jwt-check.ts';
import { UpgradeRefusal, type RefusalReason } from './refusal.ts';

const NOW = 1_800_000_000;
const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
const config: JwtCheckConfig = {
  jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' }] },
  issuer: 'iss',
  audience: 'aud',
  algorithms: ['ES256'],
  clockToleranceSeconds: 5,
};
const claims = (extra: JWTPayload = {}): JWTPayload => ({
  iss: 'iss',
  aud: 'aud',
  sub: 'dev',
  exp: NOW + 60,
  ...extra,
});
const sign = (extra: JWTPayload = {}, header: Record<string, unknown> = {}) =>
  new SignJWT(claims(extra))
    .setProtectedHeader({ alg: 'ES256', kid: 'k', ...header })
    .sign(privateKey);

async function refusalOf(
  check: ReturnType<typeof createJwtCheck>,
  authorization: string | undefined,
  subject = 'dev',
): Promise<{ reason: RefusalReason | 'accepted'; status?: number; message?: string }> {
  try {
    await check(authorization, subject);
    return { reason: 'accepted' };
  } catch (error) {
    assert.ok(error instanceof UpgradeRefusal, String(error));
    return { reason: error.reason, status: error.status, message: error.message };
  }
}

describe('createJwtCheck', () => {
  const check = createJwtCheck(config, () => NOW * 1000);

  it('accepts the token of the asserted subject, and only that one', async () => {
    assert.equal((await refusalOf(check, `Bearer ${await sign()}`)).reason, 'accepted');
    assert.equal((await refusalOf(check, `bearer ${await sign()}`)).reason, 'accepted');
    const other = await refusalOf(check, `Bearer ${await sign({ sub: 'someone-else' })}`);
    assert.deepEqual([other.reason, other.status], ['jwt_subject_mismatch', 403]);
  });

  it('refuses a missing token or another scheme as jwt_missing', async () => {
    for (const authorization of [undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer ']) {
      assert.equal((await refusalOf(check, authorization)).reason, 'jwt_missing', authorization);
    }
  });

  it('refuses what the edge refuses, naming the verifier code', async () => {
    const critical = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims())))
      .setProtectedHeader({ alg: 'ES256', kid: 'k', crit: ['b64'], b64: true })
      .sign(privateKey, { crit: { b64: true } });
    const cases: [string, string, string][] = [
      ['a crit header (jose alone accepts crit b64)', critical, 'ERR_DEVICE_TOKEN_UNKNOWN_CRIT'],
      ['two segments', 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkZXYifQ', 'ERR_DEVICE_TOKEN_MALFORMED'],
      ['four segments', 'a.b.c.d', 'ERR_DEVICE_TOKEN_MALFORMED'],
      ['a non-base64url segment', 'eyJhbGciOiJFUzI1NiJ9.e30*.c2ln', 'ERR_DEVICE_TOKEN_MALFORMED'],
      [
        'a jku header',
        await sign({}, { jku: 'https://evil.example/k' }),
        'ERR_DEVICE_TOKEN_FORBIDDEN_HEADER',
      ],
      [
        'sub of 200 × "€" (600 bytes, 200 UTF-16 units)',
        await sign({ sub: '€'.repeat(200) }),
        'ERR_DEVICE_TOKEN_CLAIM_INVALID',
      ],
      [
        'jti of 200 CJK characters (600 bytes)',
        await sign({ jti: '漢'.repeat(200) }),
        'ERR_DEVICE_TOKEN_CLAIM_INVALID',
      ],
      [
        'sub of 257 ASCII bytes',
        await sign({ sub: 'x'.repeat(257) }),
        'ERR_DEVICE_TOKEN_CLAIM_INVALID',
      ],
      ['an expired token', await sign({ exp: NOW - 60 }), 'ERR_DEVICE_TOKEN_EXPIRED'],
      ['an unknown kid', await sign({}, { kid: 'other' }), 'ERR_DEVICE_TOKEN_UNKNOWN_KEY'],
    ];
    for (const [what, token, code] of cases) {
      const refusal = await refusalOf(check, `Bearer ${token}`);
      assert.deepEqual([refusal.reason, refusal.status], ['jwt_invalid', 401], what);
      assert.ok(refusal.message?.endsWith(`(${code})`), `${what}: ${refusal.message}`);
    }
    // At the byte bound, multi-byte identifiers pass: 85 × "€" is 255 bytes.
    const bound = await sign({ sub: '€'.repeat(85), jti: '漢'.repeat(85) });
    assert.equal((await refusalOf(check, `Bearer ${bound}`, '€'.repeat(85))).reason, 'accepted');
  });

  it('refuses a token without a required scope with 403', async () => {
    const scoped = createJwtCheck({ ...config, requiredScopes: ['logs:write'] }, () => NOW * 1000);
    assert.equal(
      (await refusalOf(scoped, `Bearer ${await sign({ scope: 'openid logs:write' })}`)).reason,
      'accepted',
    );
    const refusal = await refusalOf(scoped, `Bearer ${await sign({ scope: 'openid' })}`);
    assert.deepEqual([refusal.reason, refusal.status], ['jwt_scope_insufficient', 403]);
    assert.equal((await refusalOf(check, `Bearer ${await sign()}`)).reason, 'accepted');
  });

  it('applies a maximum token age when configured', async () => {
    const aged = createJwtCheck({ ...config, maxTokenAgeSeconds: 60 }, () => NOW * 1000);
    assert.equal(
      (await refusalOf(aged, `Bearer ${await sign({ iat: NOW - 30 })}`)).reason,
      'accepted',
    );
    const old = await refusalOf(aged, `Bearer ${await sign({ iat: NOW - 600 })}`);
    assert.equal(old.reason, 'jwt_invalid');
    assert.match(old.message ?? '', /ERR_DEVICE_TOKEN_TOO_OLD/);
  });

  it('fails when built without keys or with a symmetric algorithm, not at the first upgrade', () => {
    const { jwks: _jwks, ...keyless } = config;
    assert.throws(() => createJwtCheck(keyless), /jwksUrl or jwks/);
    assert.throws(() => createJwtCheck({ ...config, algorithms: ['HS256'] }), /algorithms/);
  });
});
