// Keys from a remote JWKS: rotation in and out, and an unreachable key endpoint (never fail open).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { close, connect, expectRefusal, tunnelUrl } from './support/client.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { startJwksServer, type JwksServer } from './support/jwks-server.ts';
import { createTestKey, mintToken, type TestKey } from './support/tokens.ts';

async function accepted(harness: Harness, token: string): Promise<boolean> {
  const outcome = await connect(tunnelUrl(harness.edge.url), { authorization: `Bearer ${token}` });
  if ('open' in outcome) {
    await close(outcome.open);
    return true;
  }
  return false;
}

describe('edge tunnel: remote JWKS rotation', () => {
  let jwks: JwksServer;
  let harness: Harness;
  let oldKey: TestKey;
  let newKey: TestKey;
  let rsKey: TestKey;

  before(async () => {
    oldKey = await createTestKey('2026-10', 'ES256');
    newKey = await createTestKey('2026-11', 'EdDSA');
    rsKey = await createTestKey('rsa-1', 'RS256');
    jwks = await startJwksServer({ keys: [oldKey.publicJwk, rsKey.publicJwk] });
    harness = await startHarness({
      vars: {
        JWKS_URL: jwks.url,
        JWT_ALGORITHMS: 'ES256,EdDSA,RS256',
        // A one-second cache and no cooldown make the refresh observable within a test.
        JWKS_CACHE_SECONDS: '1',
        JWKS_COOLDOWN_SECONDS: '0',
      },
    });
  });
  after(async () => {
    await harness.close();
    await jwks.close();
  });

  it('accepts RS256 when it is configured', async () => {
    assert.equal(await accepted(harness, await mintToken(rsKey)), true);
  });

  it('accepts a new key as soon as it is published, and both keys during the overlap', async () => {
    assert.equal(await accepted(harness, await mintToken(oldKey)), true);
    jwks.jwks = { keys: [oldKey.publicJwk, newKey.publicJwk] };
    // An unknown kid triggers a refetch (cooldown 0), so the new key works at once.
    assert.equal(await accepted(harness, await mintToken(newKey)), true);
    assert.equal(await accepted(harness, await mintToken(oldKey)), true);
  });

  it('rejects a removed key once the cached key set expires', async () => {
    jwks.jwks = { keys: [newKey.publicJwk] };
    const fetchesBefore = jwks.fetches();
    const token = await mintToken(oldKey);
    let refusal;
    // Bounded: the cache lives one second, so this settles within a few attempts.
    for (let attempt = 0; attempt < 40 && !refusal; attempt++) {
      const outcome = await connect(tunnelUrl(harness.edge.url), {
        authorization: `Bearer ${token}`,
      });
      if ('refused' in outcome) refusal = outcome.refused;
      else {
        await close(outcome.open);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    assert.ok(refusal, 'the removed key was still accepted');
    assert.equal(refusal.status, 401);
    assert.equal(refusal.body.error, 'ERR_EDGE_TOKEN_UNKNOWN_KEY');
    assert.ok(jwks.fetches() > fetchesBefore, 'the key set was not fetched again');
    assert.equal(await accepted(harness, await mintToken(newKey)), true);
  });

  it('answers 503 when the key set cannot be fetched, and never lets the token through', async () => {
    jwks.failWith = 500;
    const token = await mintToken(newKey);
    let refusal;
    for (let attempt = 0; attempt < 40 && !refusal; attempt++) {
      const outcome = await connect(tunnelUrl(harness.edge.url), {
        authorization: `Bearer ${token}`,
      });
      if ('refused' in outcome) refusal = outcome.refused;
      else {
        await close(outcome.open);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    assert.ok(refusal);
    assert.equal(refusal.status, 503);
    assert.equal(refusal.body.error, 'ERR_EDGE_KEYS_UNAVAILABLE');
    // Once the cached keys expired, the edge stays closed while the endpoint fails.
    const upgradesBefore = harness.origin.upgrades.length;
    const again = await expectRefusal(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${token}`,
    });
    assert.equal(again.body.error, 'ERR_EDGE_KEYS_UNAVAILABLE');
    assert.equal(harness.origin.upgrades.length, upgradesBefore);
    delete jwks.failWith;
  });
});

describe('edge tunnel: key endpoint down from the start', () => {
  let harness: Harness;
  let key: TestKey;

  before(async () => {
    key = await createTestKey('k', 'ES256');
    const jwks = await startJwksServer({ keys: [key.publicJwk] });
    const url = jwks.url;
    await jwks.close();
    harness = await startHarness({ vars: { JWKS_URL: url, JWKS_TIMEOUT_SECONDS: '2' } });
  });
  after(() => harness.close());

  it('answers 503 ERR_EDGE_KEYS_UNAVAILABLE and origin is never contacted', async () => {
    const refusal = await expectRefusal(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${await mintToken(key)}`,
    });
    assert.equal(refusal.status, 503);
    assert.equal(refusal.body.error, 'ERR_EDGE_KEYS_UNAVAILABLE');
    assert.equal(harness.origin.upgrades.length, 0);
  });
});
