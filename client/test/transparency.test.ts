import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Socket } from 'node:net';
import { createClient, type Client } from '../src/index.ts';
import {
  captureLogger,
  clientConfig,
  connectBeats,
  type Edge,
  forwardTo,
  jwt,
  listenerConfig,
  startEdge,
  startUpstream,
  type Upstream,
  vectorsDir,
  waitFor,
} from './helpers.ts';

/** Writes `data` in random cuts (1 byte to 64 KiB), letting the event loop run between some. */
async function writeInRandomCuts(socket: Socket, data: Buffer, seed: number): Promise<void> {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
  for (let offset = 0; offset < data.length;) {
    const size = 1 + (next() % (next() % 4 === 0 ? 16 : 65536));
    const piece = data.subarray(offset, offset + size);
    offset += piece.length;
    if (!socket.write(piece)) await new Promise((done) => socket.once('drain', done));
    if (next() % 8 === 0) await new Promise((done) => setImmediate(done));
  }
}

describe('byte transparency', () => {
  const upstreamSeen: Buffer[][] = [];
  let replies: Buffer[] = [];
  let upstream: Upstream;
  let edge: Edge;
  let client: Client;
  let port: number;
  const logs = captureLogger();

  before(async () => {
    // The upstream records what arrived and answers with whatever the test queued for it.
    upstream = await startUpstream((socket) => {
      const seen: Buffer[] = [];
      upstreamSeen.push(seen);
      const reply = replies.shift();
      socket.on('data', (chunk: Buffer) => seen.push(chunk));
      if (reply) void writeInRandomCuts(socket, reply, 7);
    });
    edge = await startEdge({ onSocket: forwardTo(upstream.port) });
    client = createClient(
      clientConfig([listenerConfig(edge.url, { type: 'static', token: jwt('static-token-1') })]),
      { logger: logs.logger },
    );
    const bound = await client.listen();
    port = bound.listeners[0]?.port ?? 0;
  });

  after(async () => {
    await client.close();
    await edge.close();
    await upstream.close();
  });

  it('carries random bytes cut randomly, both ways, unchanged', async () => {
    const up = randomBytes(3 * 1024 * 1024 + 17);
    const down = randomBytes(256 * 1024 + 3);
    replies = [down];
    const index = upstreamSeen.length;
    const beats = await connectBeats(port);
    await writeInRandomCuts(beats.socket, up, 42);
    await waitFor(
      () => Buffer.concat(upstreamSeen[index] ?? []).length >= up.length,
      'upstream bytes',
    );
    await waitFor(() => beats.received().length >= down.length, 'downstream bytes');
    assert.ok(Buffer.concat(upstreamSeen[index] ?? []).equals(up), 'Beats → upstream differs');
    assert.ok(beats.received().equals(down), 'upstream → Beats differs');
    assert.equal(edge.requests.at(-1)?.authorization, `Bearer ${jwt('static-token-1')}`);
    beats.socket.end();
    await beats.closed;
  });

  for (const name of ['v2-uncompressed-2x500', 'v2-zlib3-3x2048']) {
    it(`carries the real Filebeat capture ${name} and its acks unchanged`, async () => {
      const up = readFileSync(resolve(vectorsDir, `${name}.beat-to-logstash.bin`));
      const down = readFileSync(resolve(vectorsDir, `${name}.logstash-to-beat.bin`));
      replies = [down];
      const index = upstreamSeen.length;
      const beats = await connectBeats(port);
      await writeInRandomCuts(beats.socket, up, name.length);
      await waitFor(
        () => Buffer.concat(upstreamSeen[index] ?? []).length >= up.length,
        'upstream bytes',
      );
      await waitFor(() => beats.received().length >= down.length, 'acks');
      assert.ok(Buffer.concat(upstreamSeen[index] ?? []).equals(up));
      assert.ok(beats.received().equals(down));
      beats.socket.end();
      await beats.closed;
    });
  }

  it('logs one tunnel_opened and one tunnel_closed line with byte counts and no token', async () => {
    // Its own tunnel, told apart from the other tests' by its connection id: none of them needs
    // to run first, or to be finished.
    const up = randomBytes(10_000 + 1);
    const down = randomBytes(2_000 + 3);
    replies = [down];
    const index = upstreamSeen.length;
    const firstLine = logs.events.length;
    const beats = await connectBeats(port);
    await writeInRandomCuts(beats.socket, up, 9);
    await waitFor(
      () => Buffer.concat(upstreamSeen[index] ?? []).length >= up.length,
      'upstream bytes',
    );
    await waitFor(() => beats.received().length >= down.length, 'downstream bytes');
    beats.socket.end();
    await beats.closed;
    // Earlier tests' close lines may still come in; an open line after ours cannot.
    const opened = logs.events.slice(firstLine).filter((e) => e.event === 'tunnel_opened');
    assert.equal(opened.length, 1);
    const id = opened[0]?.connectionId;
    const closed = () =>
      logs.events.filter((e) => e.event === 'tunnel_closed' && e.connectionId === id);
    await waitFor(() => closed().length > 0, 'the close line');
    assert.equal(closed().length, 1);
    const [line = {}] = closed();
    assert.equal(line.closedBy, 'beats');
    assert.equal(line.closeCode, 1000);
    assert.equal(line.listener, 'test');
    assert.equal(line.bytesUp, up.length);
    assert.equal(line.bytesDown, down.length);
    assert.equal(typeof line.durationMs, 'number');
    assert.ok(!logs.lines.some((l) => l.includes('static-token-1')), 'a token was logged');
  });
});
