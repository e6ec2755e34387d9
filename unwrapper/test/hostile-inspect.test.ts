/**
 * What one valid device token can do to the Lumberjack-aware mode, through real sockets: tiny
 * messages, a D frame of many pairs, a ping flood, a field spelled two ways. Each attack was
 * measured against the earlier design (docs/unwrapper.md, "Memory per tunnel and per device"):
 * it crashed the process, blocked its event loop for minutes, grew its heap without bound, or
 * passed a spoofed host unnoticed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import {
  createDecoder,
  createFrameReader,
  encodeAck,
  encodeCompressed,
  encodeJson,
  encodeWindow,
} from '@beats-gate/lumberjack';
import { useFixtures } from './helpers/fixtures.ts';
import {
  closed,
  openTunnel,
  readBytes,
  startRawUpstream,
  waitFor,
  within,
} from './helpers/harness.ts';
import { startBinary } from './helpers/unwrapper-process.ts';

/** Masked client frames (RFC 6455 §5.2) of one opcode, each carrying `payload`. */
function clientFrames(opcode: number, payload: Buffer, count: number): Buffer {
  const mask = [0x12, 0x34, 0x56, 0x78];
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | payload.length; // payloads under 126 bytes here
  frame.set(mask, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat(Array.from({ length: count }, () => frame));
}

/** The socket under a ws client, to write frames ws itself would never send. */
function rawSocket(ws: object): Socket {
  return (ws as { _socket: Socket })._socket;
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

describe('Lumberjack-aware mode against one valid token', () => {
  const fixtures = useFixtures();

  it('one-byte messages from eight tunnels of one subject stay under the documented bound', async (t) => {
    const upstream = await startRawUpstream();
    const MiB = 1024 * 1024;
    const binary = await startBinary({
      BEATS_GATE_UNWRAPPER_UPSTREAMS: `127.0.0.1:${upstream.port}`,
      BEATS_GATE_UNWRAPPER_INSPECT: 'stamp',
      BEATS_GATE_UNWRAPPER_MAX_PAYLOAD_BYTES: String(MiB),
      BEATS_GATE_UNWRAPPER_INSPECT_MAX_FRAME_BYTES: String(MiB),
      BEATS_GATE_UNWRAPPER_HIGH_WATER_MARK_BYTES: String(MiB),
      BEATS_GATE_UNWRAPPER_MAX_TUNNELS_PER_SUBJECT: '8',
    });
    try {
      const key = binary.key;
      const tunnels = await Promise.all(
        Array.from({ length: 8 }, () => openTunnel(binary.url, { key, subject: 'attacker' })),
      );
      const before = rssBytes(binary.child.pid!);
      // Each tunnel opens a J frame of (almost) 1 MiB and sends its payload one byte per message:
      // 256 Ki messages a tunnel, 2 Mi in all. At the ~150 bytes of bookkeeping a message that
      // the earlier design kept, that alone was 300 MiB.
      const perTunnel = 256 * 1024;
      const header = Buffer.concat([encodeWindow(1), encodeJson(1, 'x').subarray(0, 10)]);
      header.writeUInt32BE(MiB - 64, 12);
      const oneByte = clientFrames(0x2, Buffer.from('{'), perTunnel);
      for (const ws of tunnels) ws.send(header);
      await Promise.all(
        tunnels.map(
          (ws) =>
            new Promise<void>((resolve, reject) =>
              rawSocket(ws).write(oneByte, (error) => (error ? reject(error) : resolve())),
            ),
        ),
      );
      // Every byte was taken in (not left in the kernel) once the metric counts them all.
      const admin = binary.lines.find((l) => l.event === 'listening') as {
        admin: { port: number };
      };
      const metrics = `http://127.0.0.1:${admin.admin.port}/metrics`;
      const taken = async () => {
        const text = await (await fetch(metrics)).text();
        const line = /beats_gate_unwrapper_bytes_total\{direction="up"\} (\d+)/.exec(text);
        return Number(line?.[1] ?? 0);
      };
      const expected = 8 * (header.length + perTunnel);
      await waitFor(
        async () => (await taken()) >= expected,
        'the unwrapper to read every byte',
        60_000,
      );
      const grown = rssBytes(binary.child.pid!) - before;
      // docs/unwrapper.md: maxPayloadBytes + 2.5 × inspectMaxFrameBytes + 2 × highWaterMarkBytes
      // + about 7.3 MiB a tunnel, times maxTunnelsPerSubject.
      const bound = 8 * (MiB + 2.5 * MiB + 2 * MiB + 7.3 * MiB);
      const figure = `RSS grew ${(grown / MiB).toFixed(1)} MiB, bound ${(bound / MiB).toFixed(1)} MiB`;
      t.diagnostic(figure);
      assert.ok(grown < bound, figure);
      assert.equal(binary.child.exitCode, null, 'the unwrapper is alive');
      const health = await fetch(`http://127.0.0.1:${admin.admin.port}/healthz`);
      assert.equal(health.status, 200);
      for (const ws of tunnels) ws.terminate();
    } finally {
      binary.child.kill('SIGKILL');
      await upstream.close();
    }
  });

  for (const mode of ['validate', 'stamp'] as const) {
    it(`${mode}: a v1 D frame of 300k pairs passes with the event loop never blocked for 1 s`, async (t) => {
      const { upstream, harness } = await fixtures.tunnel({ inspect: mode });
      const pairs = 300_000;
      // W 1 (v1), then D seq 1 with 300k pairs of distinct short keys and values: about 4.2 MB.
      const parts: Buffer[] = [Buffer.from('1W\0\0\0\x011D\0\0\0\x01\0\0\0\0', 'latin1')];
      parts[0]!.writeUInt32BE(pairs, 12);
      for (let i = 0; i < pairs; i++) {
        const p = Buffer.alloc(8 + 4 + 3);
        p.writeUInt32BE(4, 0);
        p.write(i.toString(36).padStart(4, '0'), 4, 'latin1');
        p.writeUInt32BE(3, 8);
        p.write('abc', 12, 'latin1');
        parts.push(p);
      }
      const frame = Buffer.concat(parts);
      const ws = await openTunnel(harness.url);
      const socket = await upstream.nextSocket();
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      // Sent in 64 KiB messages, as the client would carry a Beat's writes.
      for (let at = 0; at < frame.length; at += 65536) ws.send(frame.subarray(at, at + 65536));
      // The D frame reaches Logstash whole: at least its bytes (more, stamped).
      await readBytes(socket, frame.length, 30_000);
      delay.disable();
      const maxMs = delay.max / 1e6;
      t.diagnostic(`longest event-loop block: ${maxMs.toFixed(0)} ms`);
      assert.ok(maxMs < 1000, `the event loop was blocked for ${maxMs.toFixed(0)} ms`);
      ws.close();
    });
  }

  it('a ping flood whose pongs are never read is read no further (memory bounded)', async (t) => {
    const hwm = 256 * 1024;
    const { harness } = await fixtures.tunnel({ highWaterMarkBytes: hwm, inspect: 'stamp' });
    const ws = await openTunnel(harness.url);
    const socket = rawSocket(ws);
    // The client never reads: its receive buffer and the unwrapper's send buffer fill with pongs.
    socket.pause();
    socket.removeAllListeners('data');
    const pings = clientFrames(0x9, Buffer.alloc(125, 0x61), 400_000); // 52 MB of pings
    socket.write(pings);
    const tunnel = () => harness.unwrapper.tunnels[0]!;
    await waitFor(
      () => tunnel().readingClientPaused,
      'the unwrapper to stop reading the client',
      30_000,
    );
    // Let it settle: nothing more is read, so nothing more is queued.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const queued = tunnel().bufferedTowardsClient;
    t.diagnostic(`${queued} bytes of pongs queued after 52 MB of pings`);
    assert.ok(queued < 2 * hwm + 64 * 1024, `${queued} bytes of pongs queued (high-water ${hwm})`);
    assert.equal(tunnel().readingClientPaused, true);
    ws.terminate();
  });

  describe('a host claimed flat and contradicted nested', () => {
    // The event Logstash and Elasticsearch may read either way: the flat key agrees with the
    // token, the nested object does not. Checking the first spelling alone let it through.
    const spoof = {
      'host.name': 'good-host',
      host: { name: 'evil-host' },
      message: 'hello',
    };
    const window = Buffer.concat([encodeWindow(1), encodeJson(1, spoof)]);

    async function start(policy: 'tag' | 'reject') {
      const logstash = await fixtures.logstash();
      const harness = await fixtures.unwrapper({
        upstreams: [{ host: '127.0.0.1', port: logstash.port }],
        inspect: 'stamp',
        inspectClaimPolicy: policy,
        inspectHostNameClaim: 'host',
      });
      const ws = await openTunnel(harness.url, { claims: { host: 'good-host' } });
      return { logstash, ws };
    }

    it('is tagged under tag, and Logstash acks the event with the mismatch listed', async () => {
      const { logstash, ws } = await start('tag');
      const ack = within(
        new Promise<Buffer>((resolve) => ws.once('message', (data: Buffer) => resolve(data))),
        "Logstash's ack",
      );
      ws.send(window);
      assert.deepEqual(await ack, encodeAck(1));
      const [event] = logstash.memory.events;
      const identity = (event!['@metadata'] as Record<string, Record<string, unknown>>).beats_gate!;
      assert.deepEqual(identity.mismatch, ['host.name']);
      ws.close();
    });

    it('is refused under reject (1008), and nothing of it is acknowledged', async () => {
      const { logstash, ws } = await start('reject');
      const closing = closed(ws);
      ws.send(window);
      const close = await closing;
      assert.equal(close.code, 1008);
      assert.match(close.reason, /host\.name disagrees/);
      assert.equal(logstash.memory.events.length, 0);
    });
  });

  /** Runs `send`, then waits until `upstream` got `bytes` bytes; returns the longest loop block. */
  async function longestBlock(socket: Socket, bytes: number, send: () => void) {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const received = readBytes(socket, bytes, 60_000);
    send();
    const got = await received;
    delay.disable();
    return { got, maxMs: delay.max / 1e6 };
  }

  it('stamp: 20,000 tiny C frames in one message cost one re-compression, not 20,000', async (t) => {
    const { upstream, harness } = await fixtures.tunnel({ inspect: 'stamp' });
    const frames = 20_000;
    const c = encodeCompressed([encodeJson(1, {})], 1);
    const message = Buffer.concat([
      encodeWindow(frames),
      ...Array.from({ length: frames }, () => c),
    ]);
    // Every event keeps sequence 1 here; what counts is how the C frames are re-compressed.
    const ws = await openTunnel(harness.url);
    const socket = await upstream.nextSocket();
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    ws.send(message);
    await waitFor(
      () => {
        const frames = createDecoder().push(Buffer.concat(chunks));
        return frames.filter((f) => f.type === 'json').length === 20_000;
      },
      'all 20,000 stamped events at Logstash',
      60_000,
    );
    delay.disable();
    const reader = createFrameReader();
    reader.push(Buffer.concat(chunks));
    let cFrames = 0;
    for (let f = reader.next(); f !== undefined; f = reader.next()) {
      if (f.frame.type === 'compressed') cFrames++;
    }
    // W, then the events in a handful of re-compressed runs (the earlier design started a zlib
    // job, about 200 KiB of native memory, for each C frame: 4.5 GB for this message).
    t.diagnostic(`${cFrames} C frames written, longest block ${(delay.max / 1e6).toFixed(0)} ms`);
    assert.ok(cFrames <= 8, `${cFrames} C frames: the tiny ones were not merged into runs`);
    assert.ok(delay.max / 1e6 < 1000, `the event loop was blocked for ${delay.max / 1e6} ms`);
    ws.close();
  });

  it('validate: one 8 MiB message of 6-byte W 0 frames passes in slices, never blocking 1 s', async (t) => {
    const { upstream, harness } = await fixtures.tunnel({ inspect: 'validate' });
    const message = Buffer.concat(Array.from({ length: (8 << 20) / 6 }, () => encodeWindow(0)));
    const ws = await openTunnel(harness.url);
    const socket = await upstream.nextSocket();
    const { got, maxMs } = await longestBlock(socket, message.length, () => ws.send(message));
    t.diagnostic(`longest event-loop block ${maxMs.toFixed(0)} ms`);
    assert.ok(got.equals(message), 'the frames reached Logstash byte for byte');
    assert.ok(maxMs < 1000, `the event loop was blocked for ${maxMs.toFixed(0)} ms`);
    ws.close();
  });

  it('stamp: a C frame whose content passes the high-water mark does not stall the tunnel', async () => {
    const { upstream, harness } = await fixtures.tunnel({
      inspect: 'stamp',
      highWaterMarkBytes: 256 * 1024,
    });
    // 1.5 MiB of content that deflates to a few KiB: past the mark while queued, tiny written.
    const big = Buffer.concat([
      encodeWindow(1),
      encodeCompressed([encodeJson(1, { m: 'a'.repeat(1536 * 1024) })], 3),
    ]);
    const next = Buffer.concat([encodeWindow(1), encodeJson(1, { m: 'next' })]);
    const ws = await openTunnel(harness.url);
    const socket = await upstream.nextSocket();
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    ws.send(big);
    ws.send(next);
    await waitFor(
      () => Buffer.concat(chunks).includes('"m":"next"'),
      'the window after the large one',
    );
    ws.close();
  });

  it('byte tunnel: a high-water mark under the socket’s own resumes when Logstash catches up', async () => {
    const hwm = 4096;
    const { upstream, harness } = await fixtures.tunnel({ highWaterMarkBytes: hwm });
    const ws = await openTunnel(harness.url);
    const socket = await upstream.nextSocket();
    // Logstash stalls, the unwrapper pauses the client, then Logstash reads everything.
    socket.pause();
    // More than loopback's socket buffers hold, so the unwrapper's own buffer fills.
    const payload = Buffer.alloc(24 << 20, 7);
    for (let at = 0; at < payload.length; at += 32 * 1024)
      ws.send(payload.subarray(at, at + 32 * 1024));
    await waitFor(() => harness.unwrapper.tunnels[0]?.readingClientPaused === true, 'a pause');
    const all = readBytes(socket, payload.length, 30_000);
    socket.resume();
    assert.equal((await all).length, payload.length);
    ws.close();
  });
});
