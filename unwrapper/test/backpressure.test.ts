// Memory per tunnel stays bounded whatever the peers do: a stalled Logstash pauses the client, a
// stalled client pauses Logstash, and keep-alive acks still cross while the upload is stuck.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { before, describe, it } from 'node:test';
import {
  openTunnel,
  startUnwrapper,
  waitFor,
  type Harness,
  type RawUpstream,
} from './helpers/harness.ts';
import { useFixtures } from './helpers/fixtures.ts';

const HIGH_WATER = 256 * 1024;
const MAX_PAYLOAD = 128 * 1024;
const MESSAGE = 64 * 1024;
// More than the loopback kernel buffers of both hops can absorb, so userland has to push back.
const TOTAL = 48 * 1024 * 1024;
const KEEP_ALIVE = Buffer.from('2A\x00\x00\x00\x00', 'latin1');

function message(index: number): Buffer {
  const bytes = Buffer.alloc(MESSAGE);
  for (let i = 0; i < MESSAGE; i += 4) bytes.writeUInt32BE((index * MESSAGE + i) >>> 0, i);
  return bytes;
}

describe('backpressure', () => {
  const fixtures = useFixtures();
  let upstream: RawUpstream;
  let harness: Harness;
  before(async () => {
    ({ upstream, harness } = await fixtures.tunnel({
      highWaterMarkBytes: HIGH_WATER,
      maxPayloadBytes: MAX_PAYLOAD,
      // Short, so the stalled phase spans several intervals: a slow Logstash is not a dead client.
      pingIntervalMs: 100,
    }));
  });

  it('a stalled upstream pauses the client, stays bounded, and keep-alive acks still arrive', async () => {
    const ws = await openTunnel(harness.url);
    const logstash = await upstream.nextSocket();
    logstash.pause();
    const sent = createHash('sha256');
    for (let i = 0; i < TOTAL / MESSAGE; i++) {
      const chunk = message(i);
      sent.update(chunk);
      ws.send(chunk);
    }
    const [tunnel] = harness.unwrapper.tunnels;
    assert.ok(tunnel);
    await waitFor(() => tunnel.readingClientPaused, 'the unwrapper to stop reading the client');
    await waitFor(() => tunnel.stats.pingsSkipped >= 3, 'three heartbeat intervals while paused');

    const replies: Buffer[] = [];
    ws.on('message', (data: Buffer) => replies.push(data));
    logstash.write(KEEP_ALIVE);
    await waitFor(() => Buffer.concat(replies).length >= KEEP_ALIVE.length, 'the keep-alive ack');
    assert.deepEqual(Buffer.concat(replies), KEEP_ALIVE);
    assert.ok(tunnel.readingClientPaused, 'the upload is still held back');

    // Bounded: the high-water mark, plus what ws had already parsed from one socket read.
    const bound = HIGH_WATER + MAX_PAYLOAD + 64 * 1024;
    assert.ok(
      tunnel.stats.peakSocketBuffered <= bound,
      `${tunnel.stats.peakSocketBuffered} > ${bound}`,
    );
    assert.ok(tunnel.stats.websocketPauses >= 1);

    const received = createHash('sha256');
    let length = 0;
    logstash.on('data', (chunk: Buffer) => {
      received.update(chunk);
      length += chunk.length;
    });
    logstash.resume();
    await waitFor(() => length >= TOTAL, 'every byte upstream', 60_000);
    assert.equal(length, TOTAL);
    assert.equal(received.digest('hex'), sent.digest('hex'));
    assert.ok(
      tunnel.stats.peakSocketBuffered <= bound,
      `${tunnel.stats.peakSocketBuffered} > ${bound}`,
    );
    ws.close();
    await once(logstash, 'close');
    await waitFor(() => harness.unwrapper.tunnels.length === 0, 'tunnel finished');
  });

  it('a client that stops reading pauses the upstream and stays bounded', async (t) => {
    // Default heartbeat: a client that reads nothing for two intervals is rightly taken for dead.
    const harness = await startUnwrapper({
      upstreams: [{ host: '127.0.0.1', port: upstream.port }],
      highWaterMarkBytes: HIGH_WATER,
      maxPayloadBytes: MAX_PAYLOAD,
    });
    t.after(() => harness.unwrapper.close());
    const ws = await openTunnel(harness.url, { subject: 'slow-reader' });
    const logstash = await upstream.nextSocket();
    ws.pause();
    const sent = createHash('sha256');
    let written = 0;
    // Logstash's side queues in its own process; the unwrapper must not queue on its behalf.
    for (let i = 0; written < TOTAL; i++) {
      const chunk = message(i);
      sent.update(chunk);
      written += chunk.length;
      logstash.write(chunk);
    }
    const [tunnel] = harness.unwrapper.tunnels;
    assert.ok(tunnel);
    assert.equal(tunnel.identity.subject, 'slow-reader');
    await waitFor(() => tunnel.stats.socketPauses > 0, 'the unwrapper to stop reading Logstash');
    const bound = HIGH_WATER + 64 * 1024;
    assert.ok(
      tunnel.stats.peakWebsocketBuffered <= bound,
      `${tunnel.stats.peakWebsocketBuffered} > ${bound}`,
    );

    const received = createHash('sha256');
    let length = 0;
    ws.on('message', (data: Buffer) => {
      received.update(data);
      length += data.length;
    });
    ws.resume();
    await waitFor(() => length >= written, 'every byte at the client', 60_000);
    assert.equal(length, written);
    assert.equal(received.digest('hex'), sent.digest('hex'));
    ws.close();
    await once(logstash, 'close');
  });
});
