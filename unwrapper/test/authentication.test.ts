// Every upgrade without a valid, fresh, unused edge assertion for this very handshake is refused
// with a real HTTP status, and no upstream connection is ever made for it.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { before, describe, it } from 'node:test';
import { ASSERTION_HEADER, CLIENT_ADDRESS_HEADER } from '@beats-gate/protocol';
import {
  closed,
  OLD_KEY,
  openTunnel,
  rawUpgrade,
  STRANGER_KEY,
  waitFor,
  type Harness,
  type RawUpstream,
  type TunnelClientOptions,
} from './helpers/harness.ts';
import { useFixtures } from './helpers/fixtures.ts';

describe('edge assertion at the upgrade', () => {
  const fixtures = useFixtures();
  let upstream: RawUpstream;
  let harness: Harness;
  before(async () => {
    ({ upstream, harness } = await fixtures.tunnel({ assertionBindWebsocketKey: true }));
  });

  async function refused(options: TunnelClientOptions, status: number, result: string) {
    const connectionsBefore = await harness.metric(
      'beats_gate_unwrapper_upstream_connections_total',
    );
    const socketsBefore = upstream.sockets.length;
    const refusalsBefore = await harness.metric('beats_gate_unwrapper_upgrades_total', { result });
    await assert.rejects(
      openTunnel(harness.url, options),
      (error: Error & { status?: number; body?: { error?: string } }) => {
        assert.equal(error.status, status);
        assert.match(error.body?.error ?? '', /^ERR_/);
        return true;
      },
    );
    assert.equal(
      await harness.metric('beats_gate_unwrapper_upgrades_total', { result }),
      refusalsBefore + 1,
    );
    assert.equal(
      await harness.metric('beats_gate_unwrapper_upstream_connections_total'),
      connectionsBefore,
    );
    assert.equal(upstream.sockets.length, socketsBefore);
    const line = harness.logs.findLast((l) => l.event === 'upgrade_refused');
    assert.equal(line?.reason, result);
    assert.doesNotMatch(JSON.stringify(harness.logs), /eyJ/, 'no token in the logs');
  }

  it('refuses a missing assertion with 401', () =>
    refused({ assertion: null }, 401, 'assertion_missing'));

  it('refuses garbage with 401', () =>
    refused({ assertion: 'not.a.jwt' }, 401, 'assertion_malformed'));

  it('refuses a forged signature (right kid, wrong secret) with 401', () =>
    refused({ key: STRANGER_KEY }, 401, 'assertion_bad_signature'));

  it('refuses an expired assertion with 401', () =>
    refused({ now: () => Date.now() - 120_000, ttlSeconds: 10 }, 401, 'assertion_expired'));

  it("refuses another handshake's assertion with 403", () =>
    refused({ signKey: 'dGhlIHNhbXBsZSBub25jZQ==' }, 403, 'assertion_handshake_mismatch'));

  it('refuses two assertion headers (a client copy next to the edge one) with 401', async () => {
    const before = upstream.sockets.length;
    const duplicate = await new Promise<number>((resolve, reject) => {
      const req = request(harness.url.replace(/^ws/, 'http'), {
        headers: [
          ['connection', 'Upgrade'],
          ['upgrade', 'websocket'],
          ['sec-websocket-version', '13'],
          ['sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ=='],
          [ASSERTION_HEADER, 'a.b.c'],
          [ASSERTION_HEADER, 'd.e.f'],
        ].flat(),
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(duplicate, 401);
    assert.equal(
      harness.logs.findLast((l) => l.event === 'upgrade_refused')?.reason,
      'assertion_duplicate',
    );
    assert.equal(upstream.sockets.length, before);
  });

  it('accepts the previous key, trusts only the signed client address, refuses a replay with 403', async () => {
    let captured: { assertion: string; webSocketKey: string } | undefined;
    const ws = await openTunnel(harness.url, {
      key: OLD_KEY,
      headers: { [CLIENT_ADDRESS_HEADER]: '198.51.100.66' },
      onAssertion: (assertion, webSocketKey) => (captured = { assertion, webSocketKey }),
    });
    await upstream.nextSocket();
    const opened = harness.logs.findLast((l) => l.event === 'tunnel_opened');
    assert.equal(opened?.clientAddress, '203.0.113.7');
    assert.equal(opened?.kid, 'previous');

    const socketsBefore = upstream.sockets.length;
    const replay = await rawUpgrade(harness.url, {
      'sec-websocket-key': captured!.webSocketKey,
      [ASSERTION_HEADER]: captured!.assertion,
    });
    assert.equal(replay.status, 403);
    assert.equal(replay.body.error, 'ERR_ASSERTION_REPLAYED');
    assert.equal(upstream.sockets.length, socketsBefore);
    const closing = closed(ws);
    ws.close();
    await closing;
    await waitFor(() => harness.unwrapper.tunnels.length === 0, 'tunnel closed');
  });

  it('answers 404 on other paths and 426 to plain requests, without an upstream', async () => {
    const before = upstream.sockets.length;
    const other = await rawUpgrade(harness.url.replace('/v1/tunnel', '/other'), {
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    });
    assert.equal(other.status, 404);
    const plain = await fetch(harness.url.replace(/^ws/, 'http'));
    assert.equal(plain.status, 426);
    await plain.body?.cancel();
    assert.equal(upstream.sockets.length, before);
  });
});

describe('edge assertion without the handshake-key binding (behind Cloudflare)', () => {
  const fixtures = useFixtures();
  let upstream: RawUpstream;
  let harness: Harness;
  before(async () => {
    ({ upstream, harness } = await fixtures.tunnel());
  });

  it('accepts a re-keyed handshake once, and refuses the same assertion on any other handshake', async () => {
    let captured: string | undefined;
    const ws = await openTunnel(harness.url, {
      signKey: 'dGhlIHNhbXBsZSBub25jZQ==',
      onAssertion: (assertion) => (captured = assertion),
    });
    await upstream.nextSocket();
    const socketsBefore = upstream.sockets.length;
    const replay = await rawUpgrade(harness.url, {
      'sec-websocket-key': 'b3RoZXIgaGFuZHNoYWtlIQ==',
      [ASSERTION_HEADER]: captured!,
    });
    assert.equal(replay.status, 403);
    assert.equal(replay.body.error, 'ERR_ASSERTION_REPLAYED');
    assert.equal(upstream.sockets.length, socketsBefore);
    assert.equal(
      await harness.metric('beats_gate_unwrapper_upstream_connections_total'),
      socketsBefore,
    );
    const closing = closed(ws);
    ws.close();
    await closing;
  });
});
