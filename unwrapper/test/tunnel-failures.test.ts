// A failure on either side closes both (DESIGN.md §2): nothing is left half-open to swallow data.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { before, describe, it } from 'node:test';
import {
  closed,
  openTunnel,
  readBytes,
  waitFor,
  type Harness,
  type RawUpstream,
} from './helpers/harness.ts';
import { useFixtures } from './helpers/fixtures.ts';

describe('tunnel failures close both ends', () => {
  const fixtures = useFixtures();
  let upstream: RawUpstream;
  let harness: Harness;
  before(async () => {
    ({ upstream, harness } = await fixtures.tunnel({
      maxPayloadBytes: 64 * 1024,
      maxTunnelsPerSubject: 100,
    }));
  });

  function lastClose() {
    return harness.logs.findLast((l) => l.event === 'tunnel_closed');
  }

  it('an upstream reset mid-batch closes the WebSocket with 1014', async () => {
    const ws = await openTunnel(harness.url);
    const socket = await upstream.nextSocket();
    const arrived = readBytes(socket, 6);
    ws.send(Buffer.from('2W\x00\x00\x08\x00', 'latin1'));
    await arrived;
    const closing = closed(ws);
    socket.resetAndDestroy();
    assert.equal((await closing).code, 1014);
    await waitFor(() => harness.unwrapper.tunnels.length === 0, 'tunnel finished');
    assert.equal(lastClose()?.closedBy, 'upstream');
    assert.equal(lastClose()?.closeCodeName, 'bad_gateway');
  });

  it('a client that vanishes closes the upstream socket', async () => {
    const ws = await openTunnel(harness.url);
    const socket = await upstream.nextSocket();
    const gone = once(socket, 'close');
    ws.terminate();
    await gone;
    await waitFor(() => harness.unwrapper.tunnels.length === 0, 'tunnel finished');
    assert.equal(lastClose()?.closedBy, 'client');
    assert.equal(lastClose()?.closeCode, 1006);
  });

  it('a message over maxPayload closes with 1009 and closes the upstream', async () => {
    const ws = await openTunnel(harness.url);
    const socket = await upstream.nextSocket();
    const gone = once(socket, 'close');
    const closing = closed(ws);
    ws.send(Buffer.alloc(64 * 1024 + 1));
    assert.equal((await closing).code, 1009);
    await gone;
    await waitFor(() => harness.unwrapper.tunnels.length === 0, 'tunnel finished');
    assert.equal(lastClose()?.closeCode, 1009);
    assert.equal(lastClose()?.bytesFromClient, 0);
  });

  it('a text frame closes with 1003 and closes the upstream', async () => {
    const ws = await openTunnel(harness.url);
    const socket = await upstream.nextSocket();
    const gone = once(socket, 'close');
    const closing = closed(ws);
    ws.send('2W');
    assert.equal((await closing).code, 1003);
    await gone;
    await waitFor(() => harness.unwrapper.tunnels.length === 0, 'tunnel finished');
    assert.equal(
      await harness.metric('beats_gate_unwrapper_tunnel_closes_total', {
        code: 'unsupported_data',
      }),
      1,
    );
  });

  it('a message of exactly maxPayload passes', async () => {
    const ws = await openTunnel(harness.url);
    const socket = await upstream.nextSocket();
    const arrived = readBytes(socket, 64 * 1024);
    ws.send(Buffer.alloc(64 * 1024, 7));
    assert.equal((await arrived).length, 64 * 1024);
    ws.close();
    await once(socket, 'close');
  });
});

describe('heartbeat', () => {
  const fixtures = useFixtures();
  let upstream: RawUpstream;
  let harness: Harness;
  before(async () => {
    ({ upstream, harness } = await fixtures.tunnel({ pingIntervalMs: 20 }));
  });

  it('ends a tunnel whose client stops answering pings, and its upstream', async () => {
    const ws = await openTunnel(harness.url, { autoPong: false });
    const socket = await upstream.nextSocket();
    const gone = once(socket, 'close');
    const closing = closed(ws);
    await gone;
    assert.equal((await closing).code, 1006);
    await waitFor(() => harness.unwrapper.tunnels.length === 0, 'tunnel finished');
    assert.equal(
      harness.logs.findLast((l) => l.event === 'tunnel_closed')?.closeReason,
      'heartbeat timeout: two pongs missed',
    );
  });

  it('keeps a tunnel whose client answers pings', async () => {
    const ws = await openTunnel(harness.url);
    const socket = await upstream.nextSocket();
    let pings = 0;
    ws.on('ping', () => pings++);
    await waitFor(() => pings >= 5, 'five pings');
    assert.equal(ws.readyState, ws.OPEN);
    const arrived = readBytes(socket, 2);
    ws.send(Buffer.from('ok'));
    assert.equal((await arrived).toString(), 'ok');
    ws.close();
    await once(socket, 'close');
  });
});
