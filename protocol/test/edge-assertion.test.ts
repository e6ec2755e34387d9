import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createAssertionSigner,
  createAssertionVerifier,
  EdgeAssertionError,
  generateAssertionKey,
  parseAssertionKeys,
} from '../src/index.ts';

const [current] = parseAssertionKeys(generateAssertionKey('k2'));
const [previous] = parseAssertionKeys(generateAssertionKey('k1'));
const [stranger] = parseAssertionKeys(generateAssertionKey('k2'));
const WSK = 'dGhlIHNhbXBsZSBub25jZQ==';

async function rejects(promise: Promise<unknown>, code: string) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof EdgeAssertionError, String(error));
    assert.equal(error.code, code);
    return true;
  });
}

describe('edge assertion', () => {
  it('round-trips identity, claims and token metadata', async () => {
    const sign = createAssertionSigner({ key: current! });
    const verify = createAssertionVerifier({ keys: [current!, previous!] });
    const token = await sign({
      subject: 'device-7',
      webSocketKey: WSK,
      claims: { tenant: 'acme' },
      clientAddress: '203.0.113.9',
      tokenExpiresAt: 2_000_000_000,
      tokenId: 'j1',
    });
    const identity = await verify(token, WSK);
    assert.equal(identity.subject, 'device-7');
    assert.deepEqual(identity.claims, { tenant: 'acme' });
    assert.equal(identity.clientAddress, '203.0.113.9');
    assert.equal(identity.tokenExpiresAt, 2_000_000_000);
    assert.equal(identity.tokenId, 'j1');
    assert.equal(identity.kid, 'k2');
    assert.match(identity.assertionId, /^[0-9a-f]{32}$/);
  });

  it('accepts the previous key during a rotation and refuses unknown ones', async () => {
    const verify = createAssertionVerifier({ keys: [current!, previous!] });
    const old = await createAssertionSigner({ key: previous! })({
      subject: 's',
      webSocketKey: WSK,
    });
    assert.equal((await verify(old, WSK)).kid, 'k1');
    const verifyNewOnly = createAssertionVerifier({ keys: [current!] });
    await rejects(verifyNewOnly(old, WSK), 'ERR_ASSERTION_UNKNOWN_KEY');
  });

  it('refuses a forged signature, another handshake, expiry and garbage', async () => {
    const verify = createAssertionVerifier({ keys: [current!] });
    const forged = await createAssertionSigner({ key: stranger! })({
      subject: 's',
      webSocketKey: WSK,
    });
    await rejects(verify(forged, WSK), 'ERR_ASSERTION_BAD_SIGNATURE');

    const sign = createAssertionSigner({ key: current! });
    const bound = createAssertionVerifier({ keys: [current!], bindToWebSocketKey: true });
    await rejects(
      bound(await sign({ subject: 's', webSocketKey: WSK }), undefined),
      'ERR_ASSERTION_HANDSHAKE_MISMATCH',
    );
    // Unbound (the default behind workerd, which re-keys the upgrade): another key is accepted.
    assert.equal(
      (await verify(await sign({ subject: 's', webSocketKey: WSK }), 'b3RoZXIga2V5')).subject,
      's',
    );
    await rejects(
      bound(await sign({ subject: 's', webSocketKey: WSK }), 'b3RoZXIga2V5'),
      'ERR_ASSERTION_HANDSHAKE_MISMATCH',
    );

    let clock = Date.now();
    const signAt = createAssertionSigner({ key: current!, ttlSeconds: 10, now: () => clock });
    const token = await signAt({ subject: 's', webSocketKey: WSK });
    clock += 20_000;
    const verifyLater = createAssertionVerifier({
      keys: [current!],
      clockToleranceSeconds: 0,
      now: () => clock,
    });
    await rejects(verifyLater(token, WSK), 'ERR_ASSERTION_EXPIRED');

    await rejects(verify(undefined, WSK), 'ERR_ASSERTION_MISSING');
    await rejects(verify('not.a.jwt', WSK), 'ERR_ASSERTION_MALFORMED');
  });

  it('refuses a tampered payload', async () => {
    const verify = createAssertionVerifier({ keys: [current!] });
    const token = await createAssertionSigner({ key: current! })({
      subject: 'a',
      webSocketKey: WSK,
    });
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    payload.sub = 'admin';
    const tampered = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
    await rejects(verify(tampered, WSK), 'ERR_ASSERTION_BAD_SIGNATURE');
  });

  it('validates key text and names the problem without echoing the secret', () => {
    assert.throws(() => parseAssertionKeys(''), /no assertion key/);
    assert.throws(() => parseAssertionKeys('k1:c2hvcnQ'), /#1 \(kid "k1"\).*5 bytes, at least 32/);
    assert.throws(() => parseAssertionKeys('nokid'), /#1: expected "kid:base64url-secret"/);
    assert.throws(() => parseAssertionKeys('k1:short'), /kid "k1"\): the secret is not base64url/);
    const one = generateAssertionKey('a');
    assert.throws(() => parseAssertionKeys(`${one},${one}`), /duplicate kid/);
    assert.throws(() => createAssertionSigner({ key: current!, ttlSeconds: 61 }), /1 to 60/);
  });
});
