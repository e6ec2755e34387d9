// Conformance: the real Filebeat (go-lumber) captures in test/vectors/ decode exactly, in any
// chunking, and the uncompressed one re-encodes to the very same bytes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { createDecoder, encodeJson, encodeWindow, type Frame } from '../src/index.ts';

const vectors = resolve(import.meta.dirname, 'vectors');
const read = (name: string) => readFileSync(resolve(vectors, name));

const uncompressed = read('v2-uncompressed-2x500.beat-to-logstash.bin');
const compressed = read('v2-zlib3-3x2048.beat-to-logstash.bin');
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

function decodeInChunks(bytes: Buffer, sizes: readonly number[]): Frame[] {
  const decoder = createDecoder();
  const frames: Frame[] = [];
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    frames.push(...decoder.push(bytes.subarray(offset, offset + size)));
    offset += size;
  }
  decoder.end();
  return frames;
}

/** Checks the frames of a capture: `windows` windows of `size` events, seq 0.. across them. */
function assertCapture(frames: Frame[], windows: number, size: number, isCompressed: boolean) {
  assert.equal(frames.length, windows * (size + 1));
  let seq = 0;
  for (let w = 0; w < windows; w++) {
    const base = w * (size + 1);
    assert.deepEqual(frames[base], { type: 'window', version: 2, size });
    for (let i = 1; i <= size; i++) {
      const frame = frames[base + i]!;
      assert.ok(frame.type === 'json', `frame ${base + i} is ${frame.type}`);
      assert.equal(frame.seq, i, 'J seq restarts at 1 in each window');
      assert.equal(frame.compressed, isCompressed ? true : undefined);
      assert.deepEqual(Object.keys(frame.event), ['@timestamp', 'host', 'message', 'seq']);
      assert.equal(frame.event['@timestamp'], '2024-01-01T00:00:00.000Z');
      assert.deepEqual(frame.event.host, { name: 'bench' });
      const message = frame.event.message as string;
      assert.ok(message.length > 0 && ALPHABET.repeat(10).startsWith(message), message);
      assert.equal(frame.event.seq, seq++);
      assert.deepEqual(JSON.parse(frame.payload.toString('utf8')), frame.event);
    }
  }
}

const fixedSizes = [[1], [2], [3], [7], [1460], [65536], [1, 9, 100, 4096], [Infinity]];

describe('test/vectors', () => {
  it('decodes 2 uncompressed windows of 500 in any chunk sizes', () => {
    for (const sizes of fixedSizes)
      assertCapture(decodeInChunks(uncompressed, sizes), 2, 500, false);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 10 }),
        (sizes) => {
          assertCapture(decodeInChunks(uncompressed, sizes), 2, 500, false);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('decodes 3 compressed windows of 2048 in any chunk sizes', () => {
    for (const sizes of fixedSizes) assertCapture(decodeInChunks(compressed, sizes), 3, 2048, true);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 10 }),
        (sizes) => {
          assertCapture(decodeInChunks(compressed, sizes), 3, 2048, true);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('decodes the recorded acks', () => {
    const acks = (name: string) =>
      decodeInChunks(read(`${name}.logstash-to-beat.bin`), [1]).map((f) => ({ ...f }));
    assert.deepEqual(acks('v2-uncompressed-2x500'), [
      { type: 'ack', version: 2, seq: 500 },
      { type: 'ack', version: 2, seq: 500 },
    ]);
    assert.deepEqual(
      acks('v2-zlib3-3x2048'),
      Array(3).fill({ type: 'ack', version: 2, seq: 2048 }),
    );
  });

  it('re-encodes the uncompressed capture to the same bytes', () => {
    const frames = decodeInChunks(uncompressed, [777]);
    const encoded = frames.map((f) => {
      assert.ok(f.type === 'window' || f.type === 'json');
      return f.type === 'window' ? encodeWindow(f.size, f.version) : encodeJson(f.seq, f.payload);
    });
    assert.deepEqual(Buffer.concat(encoded), uncompressed);
    // Encoding the parsed events (not the raw payloads) gives Go's bytes too: same key order.
    const fromEvents = frames.map((f) =>
      f.type === 'json' ? encodeJson(f.seq, f.event) : encodeWindow((f as { size: number }).size),
    );
    assert.deepEqual(Buffer.concat(fromEvents), uncompressed);
  });

  it('re-encodes the frames inside each compressed window to the bytes Filebeat deflated', () => {
    const frames = decodeInChunks(compressed, [4096]);
    let offset = 0;
    for (let w = 0; w < 3; w++) {
      assert.equal(compressed.subarray(offset, offset + 2).toString('latin1'), '2W');
      assert.equal(compressed.subarray(offset + 6, offset + 8).toString('latin1'), '2C');
      const length = compressed.readUInt32BE(offset + 8);
      const inner = inflateSync(compressed.subarray(offset + 12, offset + 12 + length));
      const window = frames.slice(w * 2049 + 1, (w + 1) * 2049);
      const reencoded = window.map((f) =>
        f.type === 'json' ? encodeJson(f.seq, f.payload) : Buffer.alloc(0),
      );
      assert.deepEqual(Buffer.concat(reencoded), inner);
      offset += 12 + length;
    }
    assert.equal(offset, compressed.length, 'nothing but W and C frames in the capture');
  });
});
