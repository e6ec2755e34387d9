import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createDecoder, createFrameReader } from './decode.ts';
import { encodeCompressed, encodeData, encodeJson, encodeWindow } from './encode.ts';
import type { Frame, RawFrame } from './frames.ts';
import { inflateFrames } from './inflate-frames.ts';

const vectors = resolve(import.meta.dirname, '../../test/vectors');
const upload = (name: string) => readFileSync(resolve(vectors, `${name}.beat-to-logstash.bin`));

/** Feeds `bytes` in chunks of the given sizes (cycled) and takes every frame. */
function readAll(bytes: Buffer, sizes: readonly number[]): RawFrame[] {
  const reader = createFrameReader();
  const frames: RawFrame[] = [];
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    reader.push(Buffer.from(bytes.subarray(offset, offset + size)));
    offset += size;
    for (let f = reader.next(); f !== undefined; f = reader.next()) frames.push(f);
  }
  reader.end();
  return frames;
}

/** What the stream decoder makes of the same frames, C frames opened. */
async function opened(frames: RawFrame[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const { frame } of frames) {
    if (frame.type !== 'compressed') {
      out.push(plain(frame));
      continue;
    }
    for await (const batch of inflateFrames(frame.payload)) {
      for (const inner of batch) out.push(plain(inner.frame));
    }
  }
  return out;
}

function plain(frame: Exclude<RawFrame['frame'], { type: 'compressed' }> | Frame): unknown {
  switch (frame.type) {
    case 'json':
      return { type: 'json', seq: frame.seq, payload: frame.payload.toString('latin1') };
    case 'data':
      return { type: 'data', seq: frame.seq, event: { ...frame.event } };
    case 'window':
      return { type: 'window', version: frame.version, size: frame.size };
    case 'ack':
      return { type: 'ack', version: frame.version, seq: frame.seq };
  }
}

describe('frame reader', () => {
  for (const name of ['v2-uncompressed-2x500', 'v2-zlib3-3x2048']) {
    it(`${name}: yields each top-level frame with its exact bytes, in any chunking`, async () => {
      const bytes = upload(name);
      const whole = createDecoder().push(bytes).map(plain);
      for (const sizes of [[bytes.length], [1], [7, 4096, 3], [65536]]) {
        const frames = readAll(bytes, sizes);
        assert.deepEqual(Buffer.concat(frames.map((f) => f.raw)), bytes);
        assert.deepEqual(await opened(frames), whole, `chunks ${sizes.join(',')}`);
      }
    });
  }

  it('hands a frame sent one byte at a time out as one view, not one per byte or field', () => {
    const pairs = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, `v${i}`]));
    for (const frame of [encodeJson(1, { message: 'x'.repeat(200_000) }), encodeData(1, pairs)]) {
      const [read] = readAll(frame, [1]);
      assert.ok(Buffer.isBuffer(read!.raw));
      assert.deepEqual(read!.raw, frame);
    }
  });

  it('returns one frame per next(), leaving the rest as bytes', () => {
    const reader = createFrameReader();
    reader.push(Buffer.concat(Array.from({ length: 1000 }, () => encodeWindow(0))));
    assert.equal(reader.next()?.frame.type, 'window');
    assert.equal(reader.bufferedBytes, 999 * 6);
  });

  it('D frames: the event is read from the bytes only when asked, duplicates last-wins', () => {
    const frame = encodeData(3, { a: '1', b: '2' });
    const [read] = readAll(frame, [5]);
    assert.equal(read!.frame.type, 'data');
    if (read!.frame.type !== 'data') return;
    assert.deepEqual(read!.frame.bytes, frame);
    assert.deepEqual(read!.frame.event, { a: '1', b: '2' });
    assert.equal(read!.frame.seq, 3);
  });

  it('matches the stream decoder on random streams', async () => {
    const event = fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 20 }), {
      maxKeys: 4,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.array(event, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.boolean()),
          { minLength: 1, maxLength: 4 },
        ),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 4 }),
        async (windows, sizes) => {
          const bytes = Buffer.concat(
            windows.map(([events, v1, compressed]) => {
              const frames = events.map((e, i) =>
                v1 ? encodeData(i + 1, e) : encodeJson(i + 1, e),
              );
              return Buffer.concat([
                encodeWindow(events.length, v1 ? 1 : 2),
                ...(compressed ? [encodeCompressed(frames)] : frames),
              ]);
            }),
          );
          const frames = readAll(bytes, sizes);
          assert.deepEqual(Buffer.concat(frames.map((f) => f.raw)), bytes);
          assert.deepEqual(await opened(frames), createDecoder().push(bytes).map(plain));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('inflateFrames', () => {
  it('refuses a C frame inside a C frame, a bad checksum and trailing bytes', async () => {
    const inner = encodeCompressed([encodeJson(1, {})]);
    const nested = encodeCompressed([inner]).subarray(6);
    const good = encodeCompressed([encodeJson(1, { a: 1 })]).subarray(6);
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 1]! ^= 1;
    const drain = async (payload: Buffer) => {
      for await (const batch of inflateFrames(payload)) void batch;
    };
    await assert.rejects(drain(nested), { code: 'ERR_LJ_NESTED_COMPRESSION' });
    await assert.rejects(drain(corrupt), { code: 'ERR_LJ_BAD_COMPRESSION' });
    await assert.rejects(drain(Buffer.concat([good, Buffer.from([0])])), {
      code: 'ERR_LJ_BAD_COMPRESSION',
      message: /1 bytes after the end/,
    });
  });
});
