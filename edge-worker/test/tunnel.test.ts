import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  ASSERTION_HEADER,
  CLIENT_ADDRESS_HEADER,
  createAssertionVerifier,
} from '@beats-gate/protocol';
import { close, connect, echo, rawUpgrade, tunnelUrl } from './support/client.ts';
import { startHarness, waitForLog, type Harness } from './support/harness.ts';
import { createTestKey, mintToken, type TestKey } from './support/tokens.ts';

describe('edge tunnel: accepted upgrades', () => {
  let harness: Harness;
  let es256: TestKey;
  let eddsa: TestKey;

  before(async () => {
    es256 = await createTestKey('es-1', 'ES256');
    eddsa = await createTestKey('ed-1', 'EdDSA');
    harness = await startHarness({
      keys: [es256, eddsa],
      vars: { FORWARD_CLAIMS: 'site,role' },
    });
  });
  after(() => harness.close());

  for (const which of ['ES256', 'EdDSA'] as const) {
    it(`passes a valid ${which} token and echoes binary frames byte-exact`, async () => {
      const key = which === 'ES256' ? es256 : eddsa;
      const token = await mintToken(key);
      const outcome = await connect(tunnelUrl(harness.edge.url), {
        authorization: `Bearer ${token}`,
      });
      assert.ok(
        'open' in outcome,
        `refused: ${JSON.stringify('refused' in outcome && outcome.refused)}`,
      );
      const frames = [
        Buffer.from([0x32, 0x57, 0, 0, 0, 1]),
        Buffer.alloc(0),
        randomBytes(1024 * 1024 + 7),
      ];
      for (const frame of frames) assert.deepEqual(await echo(outcome.open, frame), frame);
      await close(outcome.open);
    });
  }

  it('carries the close code of origin back to the device', async () => {
    const token = await mintToken(es256);
    const outcome = await connect(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${token}`,
    });
    assert.ok('open' in outcome);
    const closed = new Promise<[number, string]>((resolve) =>
      outcome.open.once('close', (code, reason) => resolve([code, reason.toString()])),
    );
    outcome.open.send('close 1014');
    assert.deepEqual(await closed, [1014, 'origin closed']);
  });

  it('forwards the assertion, never the token, and the client address', async () => {
    const before = harness.origin.upgrades.length;
    const token = await mintToken(es256, {
      claims: { site: 'plant-7', role: 'shipper', other: 1 },
    });
    const outcome = await connect(tunnelUrl(harness.edge.url), {
      authorization: `bearer ${token}`,
      [ASSERTION_HEADER]: 'forged',
      [CLIENT_ADDRESS_HEADER]: '203.0.113.9',
    });
    assert.ok('open' in outcome);
    await close(outcome.open);
    const seen = harness.origin.upgrades[before];
    assert.ok(seen);
    assert.equal(seen.authorization, undefined);
    assert.ok(!JSON.stringify(seen).includes(token), 'the token reached origin');
    assert.equal(seen[CLIENT_ADDRESS_HEADER], undefined);
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    const assertion = seen[ASSERTION_HEADER];
    assert.equal(typeof assertion, 'string');
    assert.notEqual(assertion, 'forged');
    const log = await waitForLog(
      harness,
      (l) => l.result === 'allowed' && l.subject === 'device-1',
    );
    assert.equal(typeof log.latencyMs, 'number');
    assert.equal(log.level, 'info');
    assert.equal(log.service, 'beats-gate-edge');
    assert.ok(!harness.rawLogs.some((line) => line.includes(token)), 'the token was logged');
  });

  it("replaces the device's forwarding headers with one X-Forwarded-For, the address in the assertion", async () => {
    const before = harness.origin.upgrades.length;
    const key = randomBytes(16).toString('base64');
    const status = await rawUpgrade(tunnelUrl(harness.edge.url), key, {
      authorization: `Bearer ${await mintToken(es256)}`,
      'x-forwarded-for': '198.51.100.1, 198.51.100.2',
      forwarded: 'for=198.51.100.3;proto=https',
      'x-real-ip': '198.51.100.4',
      'true-client-ip': '198.51.100.5',
      'x-client-ip': '198.51.100.6',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'http',
      // Cloudflare replaces a device's own; so does the local edge's front (local-front.ts).
      'cf-connecting-ip': '198.51.100.7',
    });
    assert.equal(status, 101);
    const seen = harness.origin.upgrades[before];
    assert.ok(seen);
    assert.ok(!JSON.stringify(seen).includes('198.51.100'), JSON.stringify(seen));
    assert.ok(!JSON.stringify(seen).includes('evil.example'), JSON.stringify(seen));
    for (const name of ['forwarded', 'x-real-ip', 'true-client-ip', 'x-client-ip']) {
      assert.equal(seen[name], undefined, name);
    }
    // The address workerd gave as CF-Connecting-IP (Cloudflare's in production), once.
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    const verify = createAssertionVerifier({ keys: harness.assertionKeys });
    const identity = await verify(seen[ASSERTION_HEADER] as string, undefined);
    assert.equal(identity.clientAddress, seen['x-forwarded-for']);
  });

  for (const [what, headers, code] of [
    ['Sec-WebSocket-Version 8', { 'sec-websocket-version': '8' }, 'ERR_EDGE_WEBSOCKET_VERSION'],
    ['no Sec-WebSocket-Version', { 'sec-websocket-version': '' }, 'ERR_EDGE_WEBSOCKET_VERSION'],
    ['a subprotocol', { 'sec-websocket-protocol': 'lumberjack' }, 'ERR_EDGE_HANDSHAKE_INVALID'],
  ] as const) {
    it(`refuses ${what} with a valid token before origin is contacted`, async () => {
      const before = harness.origin.upgrades.length;
      const token = await mintToken(es256);
      const key = randomBytes(16).toString('base64');
      const status = await rawUpgrade(tunnelUrl(harness.edge.url), key, {
        authorization: `Bearer ${token}`,
        ...headers,
      });
      assert.equal(status, code === 'ERR_EDGE_WEBSOCKET_VERSION' ? 426 : 400);
      const log = await waitForLog(harness, (line) => line.code === code);
      assert.equal(log.result, 'refused');
      assert.equal(log.level, 'warn');
      // The unwrapper dials Logstash for every upgrade that reaches it: none may.
      assert.equal(harness.origin.upgrades.length, before, 'origin saw the upgrade');
    });
  }

  it('binds the assertion to the handshake key the edge received', async () => {
    const before = harness.origin.upgrades.length;
    const key = Buffer.from('beats-gate-test!').toString('base64');
    const token = await mintToken(es256, { claims: { site: 'plant-7' } });
    const status = await rawUpgrade(tunnelUrl(harness.edge.url), key, {
      authorization: `Bearer ${token}`,
    });
    assert.equal(status, 101);
    const seen = harness.origin.upgrades[before];
    assert.ok(seen);
    const verify = createAssertionVerifier({
      keys: harness.assertionKeys,
      bindToWebSocketKey: true,
    });
    const identity = await verify(seen[ASSERTION_HEADER] as string, key);
    assert.equal(identity.subject, 'device-1');
    assert.equal(identity.kid, 'edge-1');
    assert.deepEqual(identity.claims, { site: 'plant-7' });
    assert.equal(identity.clientAddress, '127.0.0.1');
    assert.equal(typeof identity.tokenExpiresAt, 'number');
    assert.equal(typeof identity.tokenId, 'string');
    // workerd opens its own WebSocket to origin with a fresh Sec-WebSocket-Key, so origin cannot
    // check the binding against the key it receives. This pins that fact: if workerd ever passes
    // the key through, this fails and the unwrapper can start enforcing the binding.
    assert.notEqual(seen['sec-websocket-key'], key);
    await assert.rejects(verify(seen[ASSERTION_HEADER] as string, seen['sec-websocket-key']), {
      code: 'ERR_ASSERTION_HANDSHAKE_MISMATCH',
    });
  });
});
