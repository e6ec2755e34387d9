import assert from 'node:assert/strict';
import { END_OF_STREAM } from '@beats-gate/protocol';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { WebSocket } from 'ws';
import { createClient, type Client } from '../src/index.ts';
import {
  captureLogger,
  clientConfig,
  connectBeats,
  type Edge,
  jwt,
  listenerConfig,
  startEdge,
  waitFor,
} from './helpers.ts';

const HIGH_WATER_MARK = 64 * 1024;
/** One read from a TCP socket is at most 64 KiB, so the client may overshoot the mark by that. */
const UPLINK_BOUND = HIGH_WATER_MARK + 64 * 1024;
/** The edge sends 256 KiB messages here; the client reads at most one more socket chunk. */
const DOWNLINK_BOUND = 2 * 256 * 1024 + 2 * 64 * 1024;

async function setup(onSocket: (ws: WebSocket) => void, extra = {}) {
  const edge = await startEdge({ onSocket });
  const logs = captureLogger();
  const client = createClient(
    clientConfig([listenerConfig(edge.url, { type: 'static', token: jwt('abc') })], {
      highWaterMark: HIGH_WATER_MARK,
      ...extra,
    }),
    { logger: logs.logger },
  );
  const port = (await client.listen()).listeners[0]?.port ?? 0;
  return { edge, client, logs, port };
}

async function teardown(client: Client, edge: Edge) {
  await client.close();
  await edge.close();
}

describe('failures in the middle of a stream', () => {
  it('closes the Beats socket at once when the WebSocket connection is reset', async () => {
    const { edge, client, logs, port } = await setup((ws) => {
      ws.once('message', () => {
        // A reset, not a close handshake: the TCP connection under the WebSocket just dies.
        (ws as unknown as { _socket: { resetAndDestroy(): void } })._socket.resetAndDestroy();
      });
    });
    try {
      const beats = await connectBeats(port);
      beats.socket.write(randomBytes(1000));
      await beats.closed;
      assert.equal(beats.received().length, 0);
      await waitFor(() => logs.events.some((e) => e.event === 'tunnel_closed'), 'tunnel_closed');
      const closed = logs.events.find((e) => e.event === 'tunnel_closed');
      assert.equal(closed?.closedBy, 'edge');
      assert.equal(closed?.closeCode, 1006);
    } finally {
      await teardown(client, edge);
    }
  });

  it('passes acks already received, then ends Beats, when the edge closes with 1014', async () => {
    const { edge, client, logs, port } = await setup((ws) => {
      ws.once('message', () => {
        ws.send(Buffer.from('2A\0\0\0\x01'));
        ws.close(1014, 'upstream failed');
      });
    });
    try {
      const beats = await connectBeats(port);
      beats.socket.write('2W\0\0\0\x01');
      await beats.closed;
      assert.deepEqual(beats.received(), Buffer.from('2A\0\0\0\x01'));
      await waitFor(() => logs.events.some((e) => e.event === 'tunnel_closed'), 'tunnel_closed');
      const closed = logs.events.find((e) => e.event === 'tunnel_closed');
      assert.equal(closed?.closeCode, 1014);
      assert.equal(closed?.closeReason, 'upstream failed');
      assert.equal(closed?.closedBy, 'edge');
      const metric = await client.metrics.registry.getSingleMetricAsString(
        'beats_gate_client_tunnels_closed_total',
      );
      assert.match(metric, /closed_by="edge",code="bad_gateway"} 1/);
    } finally {
      await teardown(client, edge);
    }
  });

  it('tells the edge at once when Beats resets its connection', async () => {
    const codes: number[] = [];
    let ended = false;
    const { edge, client, port } = await setup((ws) => {
      ws.on('close', (code) => codes.push(code));
      ws.on('message', (data: Buffer, isBinary) => {
        // END is what the unwrapper relays as a FIN; once Logstash ends too, END comes back.
        if (!isBinary && data.toString() === END_OF_STREAM) {
          ended = true;
          ws.send(END_OF_STREAM);
        }
      });
    });
    try {
      const beats = await connectBeats(port);
      beats.socket.write('x');
      await waitFor(() => edge.sockets.length === 1, 'tunnel');
      beats.socket.resetAndDestroy();
      // Linux reports a peer's RST as ECONNRESET (a close with 1001) or, when the socket error
      // was already consumed, as a plain EOF (END, as for a FIN); either way the edge learns at
      // once, and the tunnel then closes.
      await waitFor(() => codes.length === 1, 'close at the edge');
      assert.ok(codes[0] === 1001 || (ended && codes[0] === 1000), `close code ${codes[0]}`);
    } finally {
      await teardown(client, edge);
    }
  });

  it('refuses text frames from the edge: closes with 1003 and ends Beats', async () => {
    const codes: number[] = [];
    const { edge, client, port } = await setup((ws) => {
      ws.on('close', (code) => codes.push(code));
      ws.once('message', () => ws.send('not lumberjack'));
    });
    try {
      const beats = await connectBeats(port);
      beats.socket.write('x');
      await beats.closed;
      assert.equal(beats.received().length, 0);
      await waitFor(() => codes.length === 1, 'close at the edge');
      assert.deepEqual(codes, [1003]);
    } finally {
      await teardown(client, edge);
    }
  });

  it('terminates the tunnel after two missed pongs', async () => {
    const { edge, client, logs, port } = await setup(
      (ws) => {
        // Stop answering pings: the ws server answers them itself unless told otherwise.
        (ws as unknown as { _autoPong: boolean })._autoPong = false;
      },
      { pingIntervalMs: 50 },
    );
    try {
      const beats = await connectBeats(port);
      await beats.closed;
      await waitFor(() => logs.events.some((e) => e.event === 'tunnel_closed'), 'tunnel_closed');
      const closed = logs.events.find((e) => e.event === 'tunnel_closed');
      assert.equal(closed?.closedBy, 'client');
      assert.equal(closed?.closeReason, 'heartbeat timeout: two pongs missed');
    } finally {
      await teardown(client, edge);
    }
  });
});

describe('backpressure', () => {
  it('keeps the uplink buffer bounded while the edge does not read, and loses nothing', async () => {
    const received: Buffer[] = [];
    let edgeSocket: WebSocket | undefined;
    const { edge, client, port } = await setup((ws) => {
      edgeSocket = ws;
      ws.pause(); // a congested uplink: nothing is read on the far side
      ws.on('message', (data: Buffer) => received.push(data));
    });
    try {
      const beats = await connectBeats(port);
      const data = randomBytes(24 * 1024 * 1024);
      let written = 0;
      // Write until the Beats side itself is blocked, as a Beat would with a full TCP window.
      while (written < data.length && beats.socket.write(data.subarray(written, written + 65536))) {
        written += 65536;
        await new Promise((done) => setImmediate(done));
      }
      written = Math.min(written + 65536, data.length);
      const tunnel = () => client.status().listeners[0]?.tunnels[0];
      await waitFor(() => tunnel()?.beatsPaused === true, 'Beats reads paused');
      for (let i = 0; i < 20; i++) {
        const buffered = tunnel()?.uplinkBuffered ?? Infinity;
        assert.ok(buffered <= UPLINK_BOUND, `uplink buffer ${buffered} over ${UPLINK_BOUND}`);
        assert.equal(tunnel()?.beatsPaused, true);
        await new Promise((done) => setTimeout(done, 5));
      }
      edgeSocket?.resume();
      if (written < data.length) beats.socket.write(data.subarray(written));
      await waitFor(
        () => Buffer.concat(received).length >= data.length,
        'all bytes at the edge',
        3000,
      );
      assert.ok(Buffer.concat(received).equals(data), 'bytes lost or changed under backpressure');
      beats.socket.destroy();
    } finally {
      await teardown(client, edge);
    }
  });

  it('pauses the WebSocket while Beats does not read, and loses nothing', async () => {
    const data = randomBytes(16 * 1024 * 1024);
    const { edge, client, port } = await setup((ws) => {
      for (let offset = 0; offset < data.length; offset += 256 * 1024) {
        ws.send(data.subarray(offset, offset + 256 * 1024));
      }
    });
    try {
      const beats = await connectBeats(port);
      beats.socket.pause();
      const tunnel = () => client.status().listeners[0]?.tunnels[0];
      await waitFor(() => tunnel()?.edgePaused === true, 'edge reads paused');
      for (let i = 0; i < 20; i++) {
        const buffered = tunnel()?.downlinkBuffered ?? Infinity;
        // What the WebSocket had already read when it paused: at most a message and a socket read.
        assert.ok(buffered <= DOWNLINK_BOUND, `downlink buffer ${buffered} over ${DOWNLINK_BOUND}`);
        assert.equal(tunnel()?.edgePaused, true);
        await new Promise((done) => setTimeout(done, 5));
      }
      beats.socket.resume();
      await waitFor(() => beats.received().length >= data.length, 'all bytes at Beats', 3000);
      assert.ok(beats.received().equals(data));
      beats.socket.destroy();
    } finally {
      await teardown(client, edge);
    }
  });

  it('does not count missed pongs while Beats does not read (the pongs wait behind data)', async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const { edge, client, logs, port } = await setup(
      (ws) => {
        for (let offset = 0; offset < data.length; offset += 256 * 1024) {
          ws.send(data.subarray(offset, offset + 256 * 1024));
        }
      },
      { pingIntervalMs: 20 },
    );
    try {
      const beats = await connectBeats(port);
      beats.socket.pause();
      const tunnel = () => client.status().listeners[0]?.tunnels[0];
      await waitFor(() => tunnel()?.edgePaused === true, 'edge reads paused');
      // Ten intervals with the edge's pongs unread: counting them would end the tunnel after two.
      await new Promise((done) => setTimeout(done, 200));
      assert.equal(logs.events.filter((e) => e.event === 'tunnel_closed').length, 0);
      beats.socket.resume();
      await waitFor(() => beats.received().length >= data.length, 'all bytes at Beats', 3000);
      assert.ok(beats.received().equals(data));
      beats.socket.destroy();
    } finally {
      await teardown(client, edge);
    }
  });
});
