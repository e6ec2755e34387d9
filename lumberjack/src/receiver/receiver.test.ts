import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  encodeAck,
  encodeCompressed,
  encodeData,
  encodeJson,
  encodeWindow,
} from '../codec/index.ts';
import { createMemorySink } from './memory-sink.ts';
import { createReceiver } from './receiver.ts';
import { chunksOf, connectRaw, createGatedSink, createListLogger } from './test-support.ts';
import type { Receiver, ReceiverOptions } from './types.ts';

const KEEP_ALIVE = encodeAck(0);

/** The seq of every complete v2 ack in `bytes` (keep-alives are 0). */
function ackSeqs(bytes: Buffer): number[] {
  const seqs: number[] = [];
  for (let offset = 0; offset + 6 <= bytes.length; offset += 6) {
    assert.deepEqual(bytes.subarray(offset, offset + 2), Buffer.from('2A'), 'not an ack frame');
    seqs.push(bytes.readUInt32BE(offset + 2));
  }
  return seqs;
}

function window(size: number, seqs: number[], tag = 'e'): Buffer {
  return Buffer.concat([encodeWindow(size), ...seqs.map((s) => encodeJson(s, { tag, s }))]);
}

const receivers: Receiver[] = [];
after(() => Promise.all(receivers.map((r) => r.close())));

async function start(options: ReceiverOptions): Promise<number> {
  const receiver = createReceiver(options);
  receivers.push(receiver);
  return (await receiver.listen()).port;
}

describe('receiver acknowledgements', { timeout: 60_000 }, () => {
  it('acks each complete window with its highest seq, after the sink, in window order', async () => {
    const gated = createGatedSink();
    // While the sink holds the first window the receiver sends keep-alives. TCP keeps order, so
    // an ack written before the sink resolved would reach the client ahead of the first of them:
    // waiting for that keep-alive settles the question without racing loopback delivery.
    const port = await start({ port: 0, sink: gated.sink, keepAliveIntervalMs: 20 });
    const client = await connectRaw(port);
    await client.write(Buffer.concat([window(3, [1, 2, 3]), window(1, [1]), window(2, [1, 2])]));
    await gated.waitForBatches(1);
    await client.waitForBytes(KEEP_ALIVE.length);
    assert.deepEqual(
      ackSeqs(client.received()).filter((seq) => seq !== 0),
      [],
      'acked before the sink resolved',
    );
    assert.equal(gated.batches.length, 1, 'a later window reached the sink before this one');
    gated.release();
    const all = await client.waitUntil(
      (received) => ackSeqs(received).filter((seq) => seq !== 0).length >= 3,
      'the three acks',
    );
    assert.deepEqual(
      ackSeqs(all).filter((seq) => seq !== 0),
      [3, 1, 2],
    );
    assert.deepEqual(
      gated.batches.map((b) => b.events.map((e) => e.s)),
      [[1, 2, 3], [1], [1, 2]],
    );
    client.socket.destroy();
  });

  it('answers v1 windows with 1A acks', async () => {
    const memory = createMemorySink();
    const port = await start({ port: 0, sink: memory.sink });
    const client = await connectRaw(port);
    await client.write(
      Buffer.concat([encodeWindow(2, 1), encodeData(1, { a: 'x' }), encodeData(2, { a: 'y' })]),
    );
    assert.deepEqual(await client.waitForBytes(6), encodeAck(2, 1));
    assert.deepEqual(memory.events, [{ a: 'x' }, { a: 'y' }]);
    assert.equal(memory.batches[0]?.version, 1);
    client.socket.destroy();
  });

  it('takes a window whose events come in one C frame', async () => {
    const memory = createMemorySink();
    const port = await start({ port: 0, sink: memory.sink });
    const client = await connectRaw(port);
    const frames = [1, 2, 3, 4].map((s) => encodeJson(s, { s }));
    await client.write(Buffer.concat([encodeWindow(4), encodeCompressed(frames, 3)]));
    assert.deepEqual(await client.waitForBytes(6), encodeAck(4));
    assert.deepEqual(
      memory.events.map((e) => e.s),
      [1, 2, 3, 4],
    );
    client.socket.destroy();
  });

  it('takes C frames that inflate past 1 MiB (streamed off the event loop), in any chunking', async () => {
    const memory = createMemorySink();
    const port = await start({ port: 0, sink: memory.sink });
    const client = await connectRaw(port);
    const message = 'x'.repeat(1000);
    const frames = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => encodeJson(i + 1, { tag, i, message }));
    const bytes = Buffer.concat([
      encodeWindow(2000),
      encodeCompressed(frames(2000, 'big')),
      encodeWindow(3),
      encodeCompressed(frames(3, 'small')),
    ]);
    for (const chunk of chunksOf(bytes, 3000, 7)) await client.write(chunk);
    client.socket.end();
    assert.deepEqual(await client.closed, Buffer.concat([encodeAck(2000), encodeAck(3)]));
    assert.deepEqual(
      memory.events.map((e) => `${String(e.tag)}${String(e.i)}`),
      [
        ...Array.from({ length: 2000 }, (_, i) => `big${i}`),
        ...Array.from({ length: 3 }, (_, i) => `small${i}`),
      ],
    );
    assert.equal(
      memory.batches[0]?.payloads[1999]?.toString(),
      JSON.stringify(memory.events[1999]),
    );
  });

  it('flushes a partial window when a new W arrives early, acking the highest seq seen', async () => {
    const memory = createMemorySink();
    const port = await start({ port: 0, sink: memory.sink });
    const client = await connectRaw(port);
    await client.write(Buffer.concat([window(5, [1, 2], 'a'), window(2, [1, 2], 'b')]));
    assert.deepEqual(await client.waitForBytes(12), Buffer.concat([encodeAck(2), encodeAck(2)]));
    assert.deepEqual(
      memory.batches.map((b) => [
        b.windowSize,
        b.events.map((e) => `${String(e.tag)}${String(e.s)}`),
      ]),
      [
        [5, ['a1', 'a2']],
        [2, ['b1', 'b2']],
      ],
    );
    client.socket.destroy();
  });

  it('treats W 0 as an empty window: no sink call, no ack', async () => {
    const memory = createMemorySink();
    const port = await start({ port: 0, sink: memory.sink });
    const client = await connectRaw(port);
    await client.write(Buffer.concat([encodeWindow(0), window(1, [1])]));
    assert.deepEqual(await client.waitForBytes(6), encodeAck(1));
    assert.equal(memory.batches.length, 1);
    client.socket.end();
    assert.deepEqual(await client.closed, encodeAck(1));
  });
});

describe('receiver keep-alives and idle connections', { timeout: 60_000 }, () => {
  it('sends 2A 0 keep-alives while a batch waits in the sink, then the ack', async () => {
    const gated = createGatedSink();
    const port = await start({ port: 0, sink: gated.sink, keepAliveIntervalMs: 20 });
    const client = await connectRaw(port);
    await client.write(window(2, [1, 2]));
    const held = await client.waitForBytes(18);
    assert.deepEqual(held, Buffer.concat([KEEP_ALIVE, KEEP_ALIVE, KEEP_ALIVE]));
    gated.release();
    const all = await client.waitForBytes(held.length + 6);
    const last = all.subarray(all.length - 6);
    assert.deepEqual(last, encodeAck(2));
    for (let i = 0; i < all.length - 6; i += 6) {
      assert.deepEqual(all.subarray(i, i + 6), KEEP_ALIVE);
    }
    client.socket.destroy();
  });

  it('sends no keep-alive while idle between batches', async () => {
    const memory = createMemorySink();
    const port = await start({
      port: 0,
      sink: memory.sink,
      keepAliveIntervalMs: 5,
      inactivityTimeoutMs: 100,
    });
    const client = await connectRaw(port);
    await client.write(window(1, [1]));
    // The idle close comes after 100 ms: whatever was sent by then is all the receiver said.
    assert.deepEqual(await client.closed, encodeAck(1));
  });

  it('closes a connection that stays silent for inactivityTimeoutMs', async () => {
    const logger = createListLogger();
    const memory = createMemorySink();
    const port = await start({ port: 0, sink: memory.sink, inactivityTimeoutMs: 50, logger });
    const client = await connectRaw(port);
    assert.equal((await client.closed).length, 0);
    const line = await logger.waitFor((l) => l.event === 'connection_close');
    assert.equal(line.reason, 'idle timeout');
  });

  it('does not close for inactivity while a batch is in the sink', async () => {
    let release: () => void = () => {};
    let entered: () => void = () => {};
    const inSink = new Promise<void>((resolve) => (entered = resolve));
    const sink = () =>
      new Promise<void>((resolve) => {
        release = resolve;
        entered();
      });
    const port = await start({ port: 0, sink, inactivityTimeoutMs: 30, keepAliveIntervalMs: 0 });
    const client = await connectRaw(port);
    await client.write(window(1, [1]));
    // On a loaded machine the window may reach the sink late; the idle periods count from then.
    await inSink;
    await new Promise((resolve) => setTimeout(resolve, 150)); // several idle periods
    release();
    assert.deepEqual(await client.waitForBytes(6), encodeAck(1));
    assert.deepEqual(await client.closed, encodeAck(1)); // then idle again: closed
  });
});

describe('receiver failures close without ack', { timeout: 60_000 }, () => {
  it('closes on a decode error, logging its code, without acking the window', async () => {
    const logger = createListLogger();
    const memory = createMemorySink();
    const port = await start({ port: 0, sink: memory.sink, logger });
    const client = await connectRaw(port);
    await client.write(window(1, [1]));
    assert.deepEqual(await client.waitForBytes(6), encodeAck(1));
    await client.write(Buffer.concat([encodeWindow(2), encodeJson(1, {}), Buffer.from('2X')]));
    assert.deepEqual(await client.closed, encodeAck(1));
    assert.equal(memory.events.length, 1);
    const line = await logger.waitFor((l) => l.event === 'decode_error');
    assert.equal(line.code, 'ERR_LJ_UNKNOWN_FRAME');
    // The connection's context comes from its child logger, the same on each of its lines.
    const open = await logger.waitFor((l) => l.event === 'connection_open');
    assert.match(String(line.connectionId), /^[0-9a-f]{12}$/);
    assert.equal(line.connectionId, open.connectionId);
    assert.equal(line.remoteAddress, open.remoteAddress);
  });

  it('closes on a J payload that is not a JSON object, plain or in a C frame, without ack', async () => {
    for (const frames of [
      [encodeWindow(2), encodeJson(1, {}), encodeJson(2, '{"a":1')],
      [encodeWindow(2), encodeCompressed([encodeJson(1, {}), encodeJson(2, '[1]')])],
    ]) {
      const logger = createListLogger();
      const memory = createMemorySink();
      const port = await start({ port: 0, sink: memory.sink, logger });
      const client = await connectRaw(port);
      await client.write(Buffer.concat(frames));
      assert.deepEqual(await client.closed, Buffer.alloc(0));
      assert.equal(memory.events.length, 0);
      const line = await logger.waitFor((l) => l.event === 'decode_error');
      assert.equal(line.code, 'ERR_LJ_INVALID_JSON');
    }
  });

  it('closes on an event that no W announced', async () => {
    const logger = createListLogger();
    const memory = createMemorySink();
    const port = await start({ port: 0, sink: memory.sink, logger });
    const client = await connectRaw(port);
    await client.write(encodeJson(1, { a: 1 }));
    assert.equal((await client.closed).length, 0);
    assert.equal(memory.events.length, 0);
    await logger.waitFor((l) => l.code === 'ERR_LJ_RECEIVER_NO_WINDOW');
  });

  it('closes without ack when the sink rejects', async () => {
    const logger = createListLogger();
    const sink = () => Promise.reject(new Error('disk full'));
    const port = await start({ port: 0, sink, logger });
    const client = await connectRaw(port);
    await client.write(window(1, [1]));
    assert.equal((await client.closed).length, 0);
    const line = await logger.waitFor((l) => l.event === 'connection_error');
    assert.equal(line.msg, 'sink failed: closing the connection without ack');
  });

  it('does not ack a window cut short by the end of the stream', async () => {
    const memory = createMemorySink();
    const port = await start({ port: 0, sink: memory.sink });
    const client = await connectRaw(port);
    await client.write(window(3, [1, 2]));
    client.socket.end();
    assert.equal((await client.closed).length, 0);
    assert.equal(memory.events.length, 0);
  });

  it('rejects bad options with every problem named', () => {
    assert.throws(
      () => createReceiver({ sink: () => Promise.resolve(), keepAliveIntervalMs: -1, port: 70000 }),
      (err: Error & { code?: string }) =>
        err.code === 'ERR_LJ_RECEIVER_OPTIONS' &&
        err.message.includes('keepAliveIntervalMs') &&
        err.message.includes('port'),
    );
  });
});

describe('receiver backpressure', { timeout: 60_000 }, () => {
  it('keeps acks in order while reading is paused and resumed', async () => {
    const gated = createGatedSink();
    const logger = createListLogger();
    const port = await start({ port: 0, sink: gated.sink, maxPendingBatches: 1, logger });
    const client = await connectRaw(port);
    const windows = Array.from({ length: 200 }, (_, i) =>
      window(1 + (i % 5), [1, 2, 3, 4, 5].slice(0, 1 + (i % 5))),
    );
    await client.write(Buffer.concat(windows));
    await gated.waitForBatches(1);
    gated.release();
    const acks = await client.waitForBytes(200 * 6);
    const expected = Buffer.concat(Array.from({ length: 200 }, (_, i) => encodeAck(1 + (i % 5))));
    assert.deepEqual(acks, expected);
    client.socket.destroy();
    const closed = await logger.waitFor((l) => l.event === 'connection_close');
    assert.ok((closed.pauses as number) >= 1, 'reading paused while the sink held windows');
    assert.equal(closed.batches, 200);
  });
});
