// Operator options that change what passes: required scope, maximum token age, token in the URL
// when enabled, forwarding Authorization.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { close, connect, expectRefusal, tunnelUrl } from './support/client.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { createTestKey, mintToken, type TestKey } from './support/tokens.ts';

describe('edge options', () => {
  let harness: Harness;
  let key: TestKey;

  before(async () => {
    key = await createTestKey('k', 'ES256');
    harness = await startHarness({
      keys: [key],
      vars: {
        JWT_REQUIRED_SCOPE: 'beats:ship',
        JWT_MAX_TOKEN_AGE_SECONDS: '3600',
        ALLOW_QUERY_TOKEN: 'true',
        QUERY_TOKEN_PARAM: 'edge_token',
        FORWARD_AUTHORIZATION: 'true',
      },
    });
  });
  after(() => harness.close());

  it('accepts the scope as a space-separated "scope" string or an "scp" array', async () => {
    for (const claims of [{ scope: 'read beats:ship' }, { scp: ['beats:ship'] }]) {
      const token = await mintToken(key, { claims });
      const outcome = await connect(tunnelUrl(harness.edge.url), {
        authorization: `Bearer ${token}`,
      });
      assert.ok('open' in outcome, JSON.stringify(claims));
      await close(outcome.open);
    }
  });

  it('refuses a token without the scope with 403 insufficient_scope', async () => {
    const upgrades = harness.origin.upgrades.length;
    const token = await mintToken(key, { claims: { scope: 'read' } });
    const refusal = await expectRefusal(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${token}`,
    });
    assert.equal(refusal.status, 403);
    assert.equal(refusal.body.error, 'ERR_EDGE_SCOPE_INSUFFICIENT');
    assert.match(String(refusal.headers['www-authenticate']), /^Bearer error="insufficient_scope"/);
    assert.equal(harness.origin.upgrades.length, upgrades);
  });

  it('refuses a token issued too long ago, and one without iat', async () => {
    const old = await mintToken(key, {
      claims: { scope: 'beats:ship', iat: Math.floor(Date.now() / 1000) - 7200 },
    });
    const refusal = await expectRefusal(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${old}`,
    });
    assert.equal(refusal.body.error, 'ERR_EDGE_TOKEN_TOO_OLD');
    const noIat = await mintToken(key, { claims: { scope: 'beats:ship' }, omit: ['iat'] });
    const missing = await expectRefusal(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${noIat}`,
    });
    assert.equal(missing.body.error, 'ERR_EDGE_TOKEN_CLAIM_MISSING');
  });

  it('takes the token from the configured query parameter and keeps it from origin', async () => {
    const upgrades = harness.origin.upgrades.length;
    const token = await mintToken(key, { claims: { scope: 'beats:ship' } });
    const outcome = await connect(tunnelUrl(harness.edge.url, `?edge_token=${token}`));
    assert.ok('open' in outcome);
    await close(outcome.open);
    const seen = harness.origin.upgrades[upgrades];
    assert.ok(seen);
    assert.equal(seen[':path'], '/v1/tunnel');
    assert.ok(!JSON.stringify(seen).includes(token));
    assert.ok(!harness.rawLogs.some((line) => line.includes(token)), 'the token was logged');
  });

  it('forwards Authorization when configured', async () => {
    const upgrades = harness.origin.upgrades.length;
    const token = await mintToken(key, { claims: { scope: 'beats:ship' } });
    const outcome = await connect(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${token}`,
    });
    assert.ok('open' in outcome);
    await close(outcome.open);
    assert.equal(harness.origin.upgrades[upgrades]?.authorization, `Bearer ${token}`);
  });
});
