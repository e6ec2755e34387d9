import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMemorySink } from './memory-sink.ts';
import { createReceiver } from './receiver.ts';
import { chunksOf, connectRaw } from './test-support.ts';

const vectors = resolve(import.meta.dirname, '../../test/vectors');

const cases = [
  { name: 'v2-uncompressed-2x500', events: 1000 },
  { name: 'v2-zlib3-3x2048', events: 6144 },
];

describe('receiver against the recorded Filebeat conversations', { timeout: 60_000 }, () => {
  const memory = createMemorySink();
  const receiver = createReceiver({ port: 0, sink: memory.sink });
  let port = 0;
  before(async () => ({ port } = await receiver.listen()));
  after(() => receiver.close());

  for (const { name, events } of cases) {
    for (const maxChunk of [1, 7, 1500, 65536]) {
      it(`${name}: answers the recorded acks byte for byte (chunks up to ${maxChunk} bytes)`, async () => {
        const sent = await readFile(resolve(vectors, `${name}.beat-to-logstash.bin`));
        const expected = await readFile(resolve(vectors, `${name}.logstash-to-beat.bin`));
        const already = memory.events.length;
        const client = await connectRaw(port);
        // Byte-at-a-time through a whole capture is slow: small chunks cover its first 4 KiB,
        // the rest follows in 64 KiB pieces.
        const head = maxChunk < 100 ? sent.subarray(0, 4096) : sent;
        for (const chunk of chunksOf(head, maxChunk, maxChunk)) await client.write(chunk);
        for (const chunk of chunksOf(sent.subarray(head.length), 65536, 1)) {
          await client.write(chunk);
        }
        client.socket.end(); // half-close: the receiver answers every complete window, then ends
        const answered = await client.closed;

        assert.deepEqual(answered, expected);
        const received = memory.events.slice(already);
        assert.equal(received.length, events);
        assert.deepEqual(
          received.map((e) => e.seq),
          Array.from({ length: events }, (_, i) => i),
        );
        assert.ok(memory.batches.every((b) => b.events.length === b.windowSize));
      });
    }
  }
});
