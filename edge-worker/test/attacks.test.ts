// RFC 8725 and OWASP JWT cheat-sheet attacks: each must be refused with its own code, and origin
// must never see the upgrade.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { expectRefusal, tunnelUrl } from './support/client.ts';
import { startHarness, waitForLog, type Harness } from './support/harness.ts';
import {
  AUDIENCE,
  base64url,
  createTestKey,
  ISSUER,
  mintToken,
  signRaw,
  withPayload,
  type TestKey,
} from './support/tokens.ts';

const now = () => Math.floor(Date.now() / 1000);

describe('edge tunnel: token attacks are refused before origin', () => {
  let harness: Harness;
  let es256: TestKey;
  let rs256: TestKey;
  let stranger: TestKey;

  before(async () => {
    es256 = await createTestKey('es-1', 'ES256');
    rs256 = await createTestKey('rs-1', 'RS256');
    stranger = await createTestKey('es-unknown', 'ES256');
    // RS256 is published but not allowed: the allowlist, not the key set, decides.
    harness = await startHarness({ keys: [es256, rs256], vars: { JWT_MAX_TOKEN_BYTES: '4096' } });
  });
  after(() => harness.close());

  async function refuse(authorization: string | undefined, code: string, query = '') {
    const headers: Record<string, string> = authorization ? { authorization } : {};
    const refusal = await expectRefusal(tunnelUrl(harness.edge.url, query), headers);
    assert.equal(refusal.body.error, code, JSON.stringify(refusal.body));
    assert.equal(typeof refusal.body.message, 'string');
    assert.equal(harness.origin.upgrades.length, 0, 'origin was contacted');
    const log = await waitForLog(harness, (line) => line.code === code);
    assert.equal(log.result, 'refused');
    if (authorization) {
      const token = authorization.replace(/^bearer /i, '');
      assert.ok(!harness.rawLogs.some((line) => line.includes(token)), 'the token was logged');
    }
    return refusal;
  }

  const unsigned = (header: object, payload: object) =>
    `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.`;
  const claims = () => ({ iss: ISSUER, aud: AUDIENCE, sub: 'device-1', exp: now() + 300 });

  it('no token: 401 with a bare Bearer challenge', async () => {
    const refusal = await refuse(undefined, 'ERR_EDGE_TOKEN_MISSING');
    assert.equal(refusal.status, 401);
    assert.equal(refusal.headers['www-authenticate'], 'Bearer');
  });

  it('alg none', async () => {
    const refusal = await refuse(
      `Bearer ${unsigned({ alg: 'none', typ: 'JWT' }, claims())}`,
      'ERR_EDGE_TOKEN_ALG_NOT_ALLOWED',
    );
    assert.equal(refusal.status, 401);
  });

  it('alg none with a dummy signature', async () => {
    const token = unsigned({ alg: 'none' }, claims()) + 'c2ln';
    await refuse(`Bearer ${token}`, 'ERR_EDGE_TOKEN_ALG_NOT_ALLOWED');
  });

  it('HS256 signed with the public key as the HMAC secret', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(es256.publicJwk));
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: es256.kid })
      .sign(secret);
    const refusal = await refuse(`Bearer ${token}`, 'ERR_EDGE_TOKEN_ALG_NOT_ALLOWED');
    assert.match(
      String(refusal.headers['www-authenticate']),
      /^Bearer error="invalid_token", error_description="/,
    );
  });

  it('an algorithm outside the allowlist (RS256 with a published key)', async () => {
    await refuse(`Bearer ${await mintToken(rs256)}`, 'ERR_EDGE_TOKEN_ALG_NOT_ALLOWED');
  });

  it('tampered payload', async () => {
    const token = withPayload(await mintToken(es256), (p) => ({ ...p, sub: 'admin' }));
    await refuse(`Bearer ${token}`, 'ERR_EDGE_TOKEN_BAD_SIGNATURE');
  });

  it('tampered signature', async () => {
    const token = await mintToken(es256);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    await refuse(
      `Bearer ${token.slice(0, -2)}${last}${token.at(-1)}`,
      'ERR_EDGE_TOKEN_BAD_SIGNATURE',
    );
  });

  it('expired (beyond the clock tolerance)', async () => {
    await refuse(`Bearer ${await mintToken(es256, { expiresIn: -120 })}`, 'ERR_EDGE_TOKEN_EXPIRED');
  });

  it('not yet valid', async () => {
    const token = await mintToken(es256, { claims: { nbf: now() + 600 } });
    await refuse(`Bearer ${token}`, 'ERR_EDGE_TOKEN_NOT_YET_VALID');
  });

  it('missing exp', async () => {
    const refusal = await refuse(
      `Bearer ${await mintToken(es256, { omit: ['exp'] })}`,
      'ERR_EDGE_TOKEN_CLAIM_MISSING',
    );
    assert.match(refusal.body.message ?? '', /"exp"/);
  });

  it('missing sub', async () => {
    const refusal = await refuse(
      `Bearer ${await mintToken(es256, { omit: ['sub'] })}`,
      'ERR_EDGE_TOKEN_CLAIM_MISSING',
    );
    assert.match(refusal.body.message ?? '', /"sub"/);
  });

  it('wrong aud', async () => {
    const token = await mintToken(es256, { claims: { aud: 'another-service' } });
    await refuse(`Bearer ${token}`, 'ERR_EDGE_TOKEN_AUDIENCE_INVALID');
  });

  it('missing aud', async () => {
    await refuse(
      `Bearer ${await mintToken(es256, { omit: ['aud'] })}`,
      'ERR_EDGE_TOKEN_AUDIENCE_INVALID',
    );
  });

  it('wrong iss', async () => {
    const token = await mintToken(es256, { claims: { iss: 'https://evil.example' } });
    await refuse(`Bearer ${token}`, 'ERR_EDGE_TOKEN_ISSUER_INVALID');
  });

  it('unknown kid', async () => {
    await refuse(`Bearer ${await mintToken(stranger)}`, 'ERR_EDGE_TOKEN_UNKNOWN_KEY');
  });

  for (const header of ['jku', 'x5u', 'jwk', 'x5c'] as const) {
    it(`a "${header}" header pointing at the attacker's key`, async () => {
      const value =
        header === 'jwk'
          ? stranger.publicJwk
          : header === 'x5c'
            ? ['MIIB']
            : 'https://evil.example/k';
      const token = await mintToken(es256, { header: { [header]: value } });
      await refuse(`Bearer ${token}`, 'ERR_EDGE_TOKEN_FORBIDDEN_HEADER');
    });
  }

  it('an unknown crit extension', async () => {
    const header = { alg: 'ES256', kid: es256.kid, crit: ['exp-ext'], 'exp-ext': true };
    const token = await signRaw(es256, header, JSON.stringify(claims()));
    await refuse(`Bearer ${token}`, 'ERR_EDGE_TOKEN_UNKNOWN_CRIT');
  });

  it('an oversized token', async () => {
    const token = await mintToken(es256, { claims: { padding: 'x'.repeat(5000) } });
    await refuse(`Bearer ${token}`, 'ERR_EDGE_TOKEN_TOO_LARGE');
  });

  for (const [name, token] of [
    ['two segments', 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0'],
    ['four segments', 'a.b.c.d'],
    ['non-base64url characters', 'eyJhbGciOiJFUzI1NiJ9.e30*.c2ln'],
    ['a header that is not JSON', `${base64url('not json')}.e30.c2ln`],
  ] as const) {
    it(`malformed segments: ${name}`, async () => {
      await refuse(`Bearer ${token}`, 'ERR_EDGE_TOKEN_MALFORMED');
    });
  }

  it('a payload that is not JSON', async () => {
    const token = await signRaw(es256, { alg: 'ES256', kid: es256.kid }, 'nope');
    await refuse(`Bearer ${token}`, 'ERR_EDGE_TOKEN_MALFORMED');
  });

  it('a token only in the query string', async () => {
    const token = await mintToken(es256);
    const refusal = await refuse(undefined, 'ERR_EDGE_TOKEN_IN_URL', `?access_token=${token}`);
    assert.equal(refusal.status, 401);
    assert.ok(!harness.rawLogs.some((line) => line.includes(token)), 'the token was logged');
  });

  it('a browser Origin header, even with a valid token', async () => {
    const token = await mintToken(es256);
    const refusal = await expectRefusal(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${token}`,
      origin: 'https://evil.example',
    });
    assert.equal(refusal.status, 403);
    assert.equal(refusal.body.error, 'ERR_EDGE_BROWSER_ORIGIN');
    assert.equal(harness.origin.upgrades.length, 0);
  });

  it('another authentication scheme counts as no token', async () => {
    const refusal = await refuse('Basic dXNlcjpwYXNz', 'ERR_EDGE_TOKEN_MISSING');
    assert.equal(refusal.headers['www-authenticate'], 'Bearer');
  });
});
