// The join on real sockets: a TCP pair and a WebSocket pair on loopback, joined as a tunnel end.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { END_OF_STREAM } from '@beats-gate/protocol';
import { WebSocket, WebSocketServer } from 'ws';
import { within } from '../time/within.ts';
import { createJoin, type JoinOptions, type JoinResult } from './socket-ws-join.ts';

const LIMIT_MS = 5000;

interface Rig {
  /** The far end of the joined socket (Beats or Logstash). */
  peer: Socket;
  /** The joined socket and WebSocket themselves. */
  socket: Socket;
  websocket: WebSocket;
  /** The far end of the joined WebSocket (the edge). */
  remote: WebSocket;
  closed: Promise<JoinResult>;
  join: ReturnType<typeof createJoin>;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A TCP connection and a WebSocket on loopback, with one end of each joined. */
async function rig(options: Partial<JoinOptions> = {}): Promise<Rig> {
  const tcp = createServer({ allowHalfOpen: true });
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  const accepted = once(tcp, 'connection') as Promise<[Socket]>;
  const peer = connect({
    port: (tcp.address() as AddressInfo).port,
    host: '127.0.0.1',
    allowHalfOpen: true,
  });
  const [socket] = await accepted;
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong: false });
  await once(wss, 'listening');
  const connected = once(wss, 'connection') as Promise<[WebSocket]>;
  const remote = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  await once(remote, 'open');
  const [ws] = await connected;
  let resolve!: (result: JoinResult) => void;
  const closed = new Promise<JoinResult>((done) => (resolve = done));
  const join = createJoin({
    socket,
    ws,
    highWaterMarkBytes: 64 * 1024,
    pingIntervalMs: 0,
    closeTimeoutMs: 20_000,
    closeCodes: {
      socketError: (error) => ({ code: 1014, reason: `failed: ${error.code ?? ''}` }),
      socketClosed: { code: 1014, reason: 'socket closed' },
    },
    onClose: resolve,
    ...options,
  });
  cleanups.push(() => {
    peer.destroy();
    remote.terminate();
    wss.close();
    tcp.close();
  });
  return { peer, socket, websocket: ws, remote, closed, join };
}

function received(source: Socket | WebSocket, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  return within(
    new Promise<Buffer>((resolve) => {
      const take = (data: Buffer, isBinary = true) => {
        if (!isBinary) return;
        chunks.push(data);
        total += data.length;
        if (total >= bytes) resolve(Buffer.concat(chunks));
      };
      if (source instanceof WebSocket) source.on('message', take);
      else source.on('data', take);
    }),
    `${bytes} bytes`,
  );
}

function textFrom(remote: WebSocket): Promise<string> {
  return within(
    new Promise((resolve) =>
      remote.on('message', (data: Buffer, isBinary) => {
        if (!isBinary) resolve(data.toString());
      }),
    ),
    'a text frame',
  );
}

describe('socket-WebSocket join', () => {
  it('carries bytes both ways unchanged', async () => {
    const { peer, remote } = await rig();
    const up = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const down = Buffer.from('324100000001', 'hex');
    const atRemote = received(remote, up.length);
    const atPeer = received(peer, down.length);
    peer.write(up);
    remote.send(down);
    assert.deepEqual(await atRemote, up);
    assert.deepEqual(await atPeer, down);
  });

  it("carries the socket's FIN as END, while the other direction keeps flowing", async () => {
    const { peer, remote, closed } = await rig();
    const end = textFrom(remote);
    peer.end(Buffer.from('last window'));
    assert.equal(await end, END_OF_STREAM);
    // The ack for the last window still reaches the peer after its FIN.
    const ack = received(peer, 6);
    remote.send(Buffer.from('324100000001', 'hex'));
    assert.deepEqual(await ack, Buffer.from('324100000001', 'hex'));
    // The far side ends too: the peer sees FIN, and the join closes normally.
    const peerEnded = within(once(peer, 'end'), "the peer's FIN");
    remote.send(END_OF_STREAM);
    await peerEnded;
    const result = await within(closed, 'the join to close');
    assert.equal(result.code, 1000);
    assert.equal(result.closedBy, 'socket', 'the socket ended first');
  });

  it("carries the WebSocket's END as a FIN after the bytes before it", async () => {
    const { peer, remote, closed } = await rig();
    const chunks: Buffer[] = [];
    peer.on('data', (chunk: Buffer) => chunks.push(chunk));
    const peerEnded = within(once(peer, 'end'), "the peer's FIN");
    remote.send(Buffer.from('window'));
    remote.send(END_OF_STREAM);
    await peerEnded;
    assert.equal(Buffer.concat(chunks).toString(), 'window');
    // Still writable towards the WebSocket after its END.
    const late = received(remote, 3);
    peer.write('ack');
    assert.equal((await late).toString(), 'ack');
    peer.end();
    const result = await within(closed, 'the join to close');
    assert.equal(result.code, 1000);
    assert.equal(result.closedBy, 'websocket');
  });

  it('maps a socket reset to the side’s close code and closes the WebSocket', async () => {
    const { peer, remote, closed } = await rig();
    const wsClosed = within(once(remote, 'close'), 'the WebSocket to close');
    peer.resetAndDestroy();
    const [code] = (await wsClosed) as [number];
    assert.equal(code, 1014);
    assert.equal((await within(closed, 'the join to close')).closedBy, 'socket');
  });

  it('closes the socket at once when the WebSocket closes abnormally', async () => {
    const { peer, remote, closed } = await rig();
    // The peer keeps its half open (allowHalfOpen), so its end is what shows the socket went.
    const peerEnded = within(once(peer, 'end'), 'the socket to end');
    remote.close(1011, 'edge failed');
    await peerEnded;
    const result = await within(closed, 'the join to close');
    assert.equal(result.code, 1011);
    assert.equal(result.closedBy, 'websocket');
  });

  it('refuses text frames other than END (1003) and data after END (1002)', async () => {
    for (const [frames, code] of [
      [['hello'], 1003],
      [[END_OF_STREAM, Buffer.from('late')], 1002],
    ] as const) {
      const { remote, closed } = await rig();
      const wsClosed = within(once(remote, 'close'), 'the WebSocket to close');
      for (const frame of frames) remote.send(frame);
      assert.equal(((await wsClosed) as [number])[0], code);
      assert.equal((await within(closed, 'the join to close')).code, code);
    }
  });

  it('answers pings, and reads a peer that leaves its pongs unread no further', async () => {
    const { remote, join } = await rig();
    const pong = within(once(remote, 'pong'), 'a pong');
    remote.ping(Buffer.from('hi'));
    assert.equal(((await pong) as [Buffer])[0].toString(), 'hi');
    // The remote stops reading; 20 MB of pings come in, their pongs pile up at the join.
    const raw = (remote as unknown as { _socket: Socket })._socket;
    raw.pause();
    raw.removeAllListeners('data');
    for (let i = 0; i < 160_000; i++) remote.ping(Buffer.alloc(125, 1));
    const deadline = Date.now() + LIMIT_MS;
    while (!join.websocketPaused && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(join.websocketPaused, true, 'the WebSocket is read no further');
    assert.ok(join.websocketBuffered < 2 * 64 * 1024 + 256, `${join.websocketBuffered} queued`);
  });

  it('pauses the WebSocket while the socket does not take its bytes, and resumes', async () => {
    const { peer, remote, join } = await rig();
    peer.pause();
    const chunk = Buffer.alloc(64 * 1024, 7);
    for (let i = 0; i < 200; i++) remote.send(chunk);
    const deadline = Date.now() + LIMIT_MS;
    while (!join.websocketPaused && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(join.websocketPaused, true);
    const all = received(peer, 200 * chunk.length);
    peer.resume();
    assert.equal((await all).length, 200 * chunk.length);
  });

  describe('one write per turn towards the WebSocket (corkPerTurn)', () => {
    // Reads the socket would give in one turn of the event loop, as a burst of 'data' events.
    const parts = [40, 40, 40, 40, 10].map((kib, i) => Buffer.alloc(kib * 1024, i + 1));
    const total = parts.reduce((sum, part) => sum + part.length, 0);

    /** The socket the join's WebSocket writes its frames to (ws keeps it in `_socket`). */
    function transportOf(rigged: Rig): Socket {
      return (rigged.websocket as unknown as { _socket: Socket })._socket;
    }

    it('holds the frames of one turn for one write, and sends them when the turn ends', async () => {
      const rigged = await rig({ corkPerTurn: true, highWaterMarkBytes: 1024 * 1024 });
      const transport = transportOf(rigged);
      const messages: number[] = [];
      rigged.remote.on('message', (data: Buffer) => messages.push(data.length / 1024));
      const all = received(rigged.remote, total);
      for (const part of parts) rigged.socket.push(part);
      assert.equal(transport.writableCorked, 1, "the turn's frames wait for one write");
      assert.ok(rigged.join.websocketBuffered >= total, 'and count as buffered');
      await new Promise(setImmediate);
      assert.equal(transport.writableCorked, 0, 'written when the turn ends');
      assert.deepEqual(await all, Buffer.concat(parts));
      assert.deepEqual(messages, [40, 40, 40, 40, 10], 'each read is still a message of its own');
    });

    it('without it, each frame is written at once', async () => {
      const rigged = await rig({ highWaterMarkBytes: 1024 * 1024 });
      const transport = transportOf(rigged);
      const all = received(rigged.remote, total);
      for (const part of parts) rigged.socket.push(part);
      assert.equal(transport.writableCorked, 0);
      assert.deepEqual(await all, Buffer.concat(parts));
    });

    it('pauses the socket on bytes held for the turn past the high-water mark', async () => {
      const rigged = await rig({ corkPerTurn: true, highWaterMarkBytes: 64 * 1024 });
      const all = received(rigged.remote, total);
      rigged.socket.push(parts[0]!);
      assert.equal(rigged.join.socketPaused, false);
      rigged.socket.push(parts[1]!);
      assert.equal(rigged.join.socketPaused, true, '80 KiB held, mark 64 KiB');
      for (const part of parts.slice(2)) rigged.socket.push(part);
      assert.deepEqual(await all, Buffer.concat(parts));
    });

    it("sends the socket's FIN as END after the bytes of its last turn", async () => {
      const { peer, remote } = await rig({ corkPerTurn: true });
      const order: string[] = [];
      const done = within(
        new Promise<void>((resolve) =>
          remote.on('message', (data: Buffer, isBinary) => {
            order.push(isBinary ? `${data.length} bytes` : data.toString());
            if (!isBinary) resolve();
          }),
        ),
        'END',
      );
      peer.end(Buffer.alloc(1000, 3));
      await done;
      assert.deepEqual(order, ['1000 bytes', END_OF_STREAM]);
    });
  });
});
