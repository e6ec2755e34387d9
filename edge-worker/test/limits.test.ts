// Revocation (KV deny list) and rate limits (Rate Limiting bindings), as bound by local.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { close, connect, expectRefusal, tunnelUrl } from './support/client.ts';
import { startHarness, waitForLog, type Harness } from './support/harness.ts';
import { createTestKey, mintToken, type TestKey } from './support/tokens.ts';

/**
 * Miniflare's rate limiter counts in windows aligned to the wall clock (epoch / period). A test
 * that counts to a limit must not straddle two windows, or the count restarts midway and the
 * refusal it expects never comes: near the end of a window, wait for the next one.
 */
async function inOneWindow(periodSeconds: number, neededMs = 10_000): Promise<void> {
  const periodMs = periodSeconds * 1000;
  const left = periodMs - (Date.now() % periodMs);
  if (left < neededMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

describe('edge tunnel: revocation', () => {
  let harness: Harness;
  let key: TestKey;

  before(async () => {
    key = await createTestKey('k', 'ES256');
    harness = await startHarness({
      keys: [key],
      kv: { 'jti:revoked-token': 'lost laptop', 'sub:stolen-device': 'ticket 42' },
    });
  });
  after(() => harness.close());

  it('refuses a revoked jti', async () => {
    const token = await mintToken(key, { claims: { jti: 'revoked-token' } });
    const refusal = await expectRefusal(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${token}`,
    });
    assert.equal(refusal.status, 401);
    assert.equal(refusal.body.error, 'ERR_EDGE_TOKEN_REVOKED');
    assert.match(String(refusal.headers['www-authenticate']), /error="invalid_token"/);
    const log = await waitForLog(harness, (l) => l.code === 'ERR_EDGE_TOKEN_REVOKED');
    assert.equal(log.subject, 'device-1');
    assert.equal(log.tokenId, 'revoked-token');
  });

  it('refuses every token of a revoked subject', async () => {
    const token = await mintToken(key, { claims: { sub: 'stolen-device' } });
    const refusal = await expectRefusal(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${token}`,
    });
    assert.equal(refusal.body.error, 'ERR_EDGE_TOKEN_REVOKED');
  });

  it('picks up a revocation added while running', async () => {
    const token = await mintToken(key, { claims: { sub: 'device-9' } });
    const first = await connect(tunnelUrl(harness.edge.url), { authorization: `Bearer ${token}` });
    assert.ok('open' in first);
    await close(first.open);
    const denyList = await harness.edge.miniflare.getKVNamespace('DENYLIST');
    await denyList.put('sub:device-9', 'decommissioned');
    const refusal = await expectRefusal(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${token}`,
    });
    assert.equal(refusal.body.error, 'ERR_EDGE_TOKEN_REVOKED');
  });

  it('counts sub and jti in UTF-8 bytes: 255 bytes reach the deny list, 600 are a bad claim, never a 503', async () => {
    // 85 × "€" and 85 × "漢" are 255 bytes each (85 UTF-16 units); 200 of them are 600 bytes, which
    // no KV key can hold ("jti:" or "sub:" plus the id, at most 512 bytes).
    const sub = '€'.repeat(85);
    const token = await mintToken(key, { claims: { sub, jti: '漢'.repeat(85) } });
    const first = await connect(tunnelUrl(harness.edge.url), { authorization: `Bearer ${token}` });
    assert.ok('open' in first, JSON.stringify(first));
    await close(first.open);
    const denyList = await harness.edge.miniflare.getKVNamespace('DENYLIST');
    await denyList.put(`sub:${sub}`, 'multibyte subject revoked');
    const revoked = await expectRefusal(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${token}`,
    });
    assert.equal(revoked.body.error, 'ERR_EDGE_TOKEN_REVOKED');

    const before = harness.origin.upgrades.length;
    for (const claims of [{ sub: '€'.repeat(200) }, { jti: '漢'.repeat(200) }]) {
      const refusal = await expectRefusal(tunnelUrl(harness.edge.url), {
        authorization: `Bearer ${await mintToken(key, { claims })}`,
      });
      assert.equal(refusal.status, 401, JSON.stringify(refusal.body));
      assert.equal(refusal.body.error, 'ERR_EDGE_TOKEN_CLAIM_INVALID');
      assert.match(refusal.body.message ?? '', /bytes in UTF-8/);
    }
    assert.equal(harness.origin.upgrades.length, before);
  });

  it('never contacts origin for a revoked token', async () => {
    const before = harness.origin.upgrades.length;
    for (const claims of [{ jti: 'revoked-token' }, { sub: 'stolen-device' }]) {
      const token = await mintToken(key, { claims });
      const refusal = await expectRefusal(tunnelUrl(harness.edge.url), {
        authorization: `Bearer ${token}`,
      });
      assert.equal(refusal.body.error, 'ERR_EDGE_TOKEN_REVOKED');
    }
    assert.equal(harness.origin.upgrades.length, before);
  });
});

describe('edge tunnel: rate limits', () => {
  let harness: Harness;
  let key: TestKey;

  before(async () => {
    key = await createTestKey('k', 'ES256');
    harness = await startHarness({
      keys: [key],
      vars: { RATE_LIMIT_RETRY_AFTER_SECONDS: '10' },
      rateLimits: { upgrade: { limit: 2, period: 60 }, failure: { limit: 3, period: 60 } },
    });
  });
  after(() => harness.close());

  it('limits upgrades per subject with 429 and Retry-After', async () => {
    await inOneWindow(60);
    const token = await mintToken(key, { claims: { sub: 'chatty-device' } });
    for (let i = 0; i < 2; i++) {
      const outcome = await connect(tunnelUrl(harness.edge.url), {
        authorization: `Bearer ${token}`,
      });
      assert.ok('open' in outcome, `upgrade ${i + 1} was refused`);
      await close(outcome.open);
    }
    const refusal = await expectRefusal(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${token}`,
    });
    assert.equal(refusal.status, 429);
    assert.equal(refusal.headers['retry-after'], '10');
    assert.equal(refusal.body.error, 'ERR_EDGE_RATE_LIMITED');
    // Another subject has its own budget.
    const other = await mintToken(key, { claims: { sub: 'quiet-device' } });
    const outcome = await connect(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${other}`,
    });
    assert.ok('open' in outcome);
    await close(outcome.open);
  });

  it('limits failed attempts per client address', async () => {
    await inOneWindow(60);
    const bad = `Bearer ${(await mintToken(key)).slice(0, -4)}AAAA`;
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const refusal = await expectRefusal(tunnelUrl(harness.edge.url), { authorization: bad });
      codes.push(refusal.body.error ?? '');
      if (i === 3) assert.equal(refusal.headers['retry-after'], '10');
    }
    assert.deepEqual(codes, [
      'ERR_EDGE_TOKEN_BAD_SIGNATURE',
      'ERR_EDGE_TOKEN_BAD_SIGNATURE',
      'ERR_EDGE_TOKEN_BAD_SIGNATURE',
      'ERR_EDGE_RATE_LIMITED',
    ]);
    const log = await waitForLog(harness, (l) => l.refusedFor === 'ERR_EDGE_TOKEN_BAD_SIGNATURE');
    assert.equal(log.code, 'ERR_EDGE_RATE_LIMITED');
    assert.equal(log.clientAddress, '127.0.0.1');
  });
});
