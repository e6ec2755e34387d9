// A failure on either side closes both (DESIGN.md §2): nothing is left half-open to swallow data.
//
// The safety timer (closeTimeoutMs) destroys both ends of a tunnel that did not close by itself.
// Here it is set far beyond every wait, and each close must come within PROMPTLY_MS, a tenth of
// it: a broken close path cannot pass on the timer's back. Each test opens its tunnel under its own
// subject and waits for that tunnel's close line, so none depends on another's leftovers.
import assert from 'node:assert/strict';
import { afterEach, before, describe, it } from 'node:test';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import {
  closed,
  openTunnel,
  readBytes,
  socketClosed,
  waitFor,
  type Harness,
  type LogLine,
  type RawUpstream,
  type TunnelClientOptions,
} from './helpers/harness.ts';
import { useFixtures } from './helpers/fixtures.ts';

const CLOSE_TIMEOUT_MS = 20_000;
const PROMPTLY_MS = CLOSE_TIMEOUT_MS / 10;

function upstreamClosed(socket: Socket): Promise<void> {
  return socketClosed(socket, 'the upstream socket to close', PROMPTLY_MS);
}

/** The tunnel_closed line of `subject`'s tunnel, once it is logged. */
async function tunnelClosed(harness: Harness, subject: string): Promise<LogLine> {
  const line = () =>
    harness.logs.findLast((l) => l.event === 'tunnel_closed' && l.subject === subject);
  await waitFor(() => line() !== undefined, `${subject}'s tunnel to finish`, PROMPTLY_MS);
  return line()!;
}

/**
 * Opens tunnels for one describe(); a test that failed leaves its tunnel open until the safety
 * timer, so both ends are cut after each test and teardown need not wait for it.
 */
function tunnels(upstream: () => RawUpstream, url: () => string) {
  const opened: WebSocket[] = [];
  afterEach(() => {
    for (const ws of opened.splice(0)) ws.terminate();
    for (const socket of upstream().sockets) socket.destroy();
  });
  return async (options: TunnelClientOptions & { subject: string }) => {
    const ws = await openTunnel(url(), options);
    opened.push(ws);
    return ws;
  };
}

describe('tunnel failures close both ends', () => {
  const fixtures = useFixtures();
  let upstream: RawUpstream;
  let harness: Harness;
  before(async () => {
    ({ upstream, harness } = await fixtures.tunnel({
      maxPayloadBytes: 64 * 1024,
      maxTunnelsPerSubject: 100,
      closeTimeoutMs: CLOSE_TIMEOUT_MS,
    }));
  });
  const open = tunnels(
    () => upstream,
    () => harness.url,
  );

  it('an upstream reset mid-batch closes the WebSocket with 1014', async () => {
    const ws = await open({ subject: 'upstream-reset' });
    const socket = await upstream.nextSocket();
    const arrived = readBytes(socket, 6);
    ws.send(Buffer.from('2W\x00\x00\x08\x00', 'latin1'));
    await arrived;
    const closing = closed(ws, PROMPTLY_MS);
    socket.resetAndDestroy();
    assert.equal((await closing).code, 1014);
    const line = await tunnelClosed(harness, 'upstream-reset');
    assert.equal(line.closedBy, 'logstash');
    assert.equal(line.closeCodeName, 'bad_gateway');
  });

  it('a client that vanishes closes the upstream socket', async () => {
    const ws = await open({ subject: 'vanishing-client' });
    const socket = await upstream.nextSocket();
    const gone = upstreamClosed(socket);
    ws.terminate();
    await gone;
    const line = await tunnelClosed(harness, 'vanishing-client');
    assert.equal(line.closedBy, 'edge');
    assert.equal(line.closeCode, 1006);
  });

  it('a message over maxPayload closes with 1009 and closes the upstream', async () => {
    const ws = await open({ subject: 'too-big' });
    const socket = await upstream.nextSocket();
    const gone = upstreamClosed(socket);
    const closing = closed(ws, PROMPTLY_MS);
    ws.send(Buffer.alloc(64 * 1024 + 1));
    assert.equal((await closing).code, 1009);
    await gone;
    const line = await tunnelClosed(harness, 'too-big');
    assert.equal(line.closeCode, 1009);
    assert.equal(line.bytesUp, 0);
  });

  it('a text frame closes with 1003 and closes the upstream', async () => {
    const ws = await open({ subject: 'text-frame' });
    const socket = await upstream.nextSocket();
    const gone = upstreamClosed(socket);
    const closing = closed(ws, PROMPTLY_MS);
    ws.send('2W');
    assert.equal((await closing).code, 1003);
    await gone;
    const line = await tunnelClosed(harness, 'text-frame');
    assert.equal(line.closeCodeName, 'unsupported_data');
    assert.equal(
      await harness.metric('beats_gate_unwrapper_tunnels_closed_total', {
        code: 'unsupported_data',
      }),
      1,
    );
  });

  it('a message of exactly maxPayload passes', async () => {
    const ws = await open({ subject: 'max-payload' });
    const socket = await upstream.nextSocket();
    const arrived = readBytes(socket, 64 * 1024);
    ws.send(Buffer.alloc(64 * 1024, 7));
    assert.equal((await arrived).length, 64 * 1024);
    ws.close();
    await upstreamClosed(socket);
  });
});

describe('heartbeat', () => {
  const fixtures = useFixtures();
  let upstream: RawUpstream;
  let harness: Harness;
  before(async () => {
    ({ upstream, harness } = await fixtures.tunnel({
      pingIntervalMs: 20,
      closeTimeoutMs: CLOSE_TIMEOUT_MS,
    }));
  });
  const open = tunnels(
    () => upstream,
    () => harness.url,
  );

  it('ends a tunnel whose client stops answering pings, and its upstream', async () => {
    const ws = await open({ subject: 'silent-client', autoPong: false });
    const socket = await upstream.nextSocket();
    const gone = upstreamClosed(socket);
    const closing = closed(ws, PROMPTLY_MS);
    await gone;
    assert.equal((await closing).code, 1006);
    const line = await tunnelClosed(harness, 'silent-client');
    assert.equal(line.closeReason, 'heartbeat timeout: two pongs missed');
  });

  it('keeps a tunnel whose client answers pings', async () => {
    const ws = await open({ subject: 'answering-client' });
    const socket = await upstream.nextSocket();
    let pings = 0;
    ws.on('ping', () => pings++);
    await waitFor(() => pings >= 5, 'five pings');
    assert.equal(ws.readyState, ws.OPEN);
    const arrived = readBytes(socket, 2);
    ws.send(Buffer.from('ok'));
    assert.equal((await arrived).toString(), 'ok');
    ws.close();
    await upstreamClosed(socket);
  });
});
