// The recorded Filebeat/Logstash conversations cross the tunnel byte for byte, in both directions,
// whatever the chunking; Logstash closing the connection reaches the client as 1000.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { END_OF_STREAM } from '@beats-gate/protocol';
import {
  closed,
  openTunnel,
  readBytes,
  waitFor,
  within,
  type Harness,
  type RawUpstream,
} from './helpers/harness.ts';
import { useFixtures } from './helpers/fixtures.ts';

const vectors = resolve(import.meta.dirname, '../../lumberjack/test/vectors');
const CASES = ['v2-uncompressed-2x500', 'v2-zlib3-3x2048'].map((name) => ({
  name,
  upload: readFileSync(resolve(vectors, `${name}.beat-to-logstash.bin`)),
  acks: readFileSync(resolve(vectors, `${name}.logstash-to-beat.bin`)),
}));

/** Deterministic pseudo-random chunk sizes, so a failure can be replayed. */
function* chunks(bytes: Buffer, seed: number) {
  let state = seed;
  for (let offset = 0; offset < bytes.length;) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const size = 1 + (state % 9000);
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

describe('vectors through the tunnel', () => {
  const fixtures = useFixtures();
  let upstream: RawUpstream;
  let harness: Harness;
  before(async () => {
    ({ upstream, harness } = await fixtures.tunnel());
  });

  for (const [index, vector] of CASES.entries()) {
    it(`${vector.name}: upload and acks are byte-exact`, async () => {
      const ws = await openTunnel(harness.url);
      const logstash = await upstream.nextSocket();
      const received = readBytes(logstash, vector.upload.length);
      for (const chunk of chunks(vector.upload, index + 1)) ws.send(chunk);
      assert.deepEqual(await received, vector.upload);

      const replies: Buffer[] = [];
      ws.on('message', (data: Buffer) => replies.push(data));
      // Acks leave Logstash one byte at a time: the tunnel must not care about chunking.
      for (const byte of vector.acks) logstash.write(Buffer.from([byte]));
      await waitFor(
        () => Buffer.concat(replies).length >= vector.acks.length,
        'acks at the client',
      );
      assert.deepEqual(Buffer.concat(replies), vector.acks);

      // Logstash's FIN reaches the device as END; the device's own END (its Beat closing)
      // then closes the tunnel normally, as two FINs close a TCP connection.
      const end = within(
        new Promise<string>((resolve) =>
          ws.on('message', (data: Buffer, isBinary) => {
            if (!isBinary) resolve(data.toString());
          }),
        ),
        'END from the unwrapper',
      );
      logstash.end();
      assert.equal(await end, END_OF_STREAM);
      const closing = closed(ws);
      ws.send(END_OF_STREAM);
      assert.equal((await closing).code, 1000);
      await waitFor(() => harness.unwrapper.tunnels.length === 0, 'tunnel to finish');
      const line = harness.logs.findLast((l) => l.event === 'tunnel_closed');
      assert.equal(line?.bytesUp, vector.upload.length);
      assert.equal(line?.bytesDown, vector.acks.length);
      assert.equal(line?.closedBy, 'logstash');
      assert.equal(line?.closeCode, 1000);
    });
  }
});
