// Hostile input: a zip bomb must fail with bounded memory, and no byte sequence may make the
// decoder throw anything but a LumberjackError or buffer more than one frame's limit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { constants, createDeflate, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { createDecoder } from './decode.ts';
import { encodeAck, encodeCompressed, encodeData, encodeJson, encodeWindow } from './encode.ts';
import { LumberjackError } from './errors.ts';
import { splitInto } from './test-support.ts';

const GiB = 1024 * 1024 * 1024;

/** A C frame around arbitrary payload bytes. */
function cFrame(payload: Buffer): Buffer {
  const header = Buffer.from('2C\0\0\0\0', 'latin1');
  header.writeUInt32BE(payload.length, 2);
  return Buffer.concat([header, payload]);
}

/** 1 GiB of zeros in zlib format (about 1 MiB), made in slices so building it stays small. */
async function zipBomb(): Promise<Buffer> {
  const deflater = createDeflate({ level: 1, strategy: constants.Z_RLE });
  const parts: Buffer[] = [];
  deflater.on('data', (part: Buffer) => parts.push(part));
  const zeros = Buffer.alloc(16 * 1024 * 1024);
  for (let written = 0; written < GiB; written += zeros.length) deflater.write(zeros);
  deflater.end();
  await new Promise((resolve) => deflater.once('end', resolve));
  return Buffer.concat(parts);
}

describe('zip bomb', () => {
  it('fails with ERR_LJ_DECOMPRESSED_TOO_LARGE after at most the cap, not 1 GiB', async (t) => {
    const bomb = await zipBomb();
    const frame = cFrame(bomb);
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const started = performance.now();
    assert.throws(() => createDecoder().push(frame), {
      code: 'ERR_LJ_DECOMPRESSED_TOO_LARGE',
      message: /inflates past maxDecompressedBytes \(134217728\)/,
    });
    const peakGrowth = process.resourceUsage().maxRSS * 1024 - peakBefore;
    t.diagnostic(
      `bomb of ${bomb.length} bytes rejected in ${Math.round(performance.now() - started)} ms, peak RSS +${Math.round(peakGrowth / 2 ** 20)} MiB`,
    );
    // Inflating it all would need a whole GiB; the 128 MiB cap bounds the peak well under that.
    assert.ok(peakGrowth < 512 * 2 ** 20, `peak RSS grew by ${peakGrowth} bytes`);
    assert.throws(() => createDecoder({ maxDecompressedBytes: 1 << 20 }).push(frame), {
      code: 'ERR_LJ_DECOMPRESSED_TOO_LARGE',
    });
  });
});

const MAX_FRAME = 4096;

/** Runs bytes through a decoder in the given chunking; returns what was thrown, if anything. */
function feed(bytes: Buffer, sizes: number[]): unknown {
  const decoder = createDecoder({ maxFrameBytes: MAX_FRAME, maxDecompressedBytes: 1 << 16 });
  try {
    for (const chunk of splitInto(bytes, sizes)) {
      decoder.push(chunk);
      // What is held is at most one incomplete frame, and a frame is at most its limit + header.
      assert.ok(decoder.bufferedBytes < MAX_FRAME + 10, `buffered ${decoder.bufferedBytes}`);
    }
    decoder.end();
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    return error;
  }
  return undefined;
}

function onlyLumberjackErrors(thrown: unknown): void {
  if (thrown === undefined || thrown instanceof LumberjackError) return;
  assert.fail(
    `expected only LumberjackError, got ${thrown instanceof Error ? thrown.stack : typeof thrown}`,
  );
}

const sizes = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 });

/** Pieces that look like Lumberjack, so the fuzzer gets past the first two bytes often. */
const piece = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
  fc.constantFrom('2W', '2J', '2C', '1D', '2A', '1C', '1W').map((s) => Buffer.from(s, 'latin1')),
  fc
    .nat({ max: 0xffffffff })
    .map((n) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])),
  fc.nat({ max: 64 }).map((n) => Buffer.from([0, 0, 0, n])),
  fc.constant(encodeJson(1, { a: 1 })),
  fc.constant(encodeData(1, { a: 'b' })),
  fc.constant(encodeCompressed([encodeWindow(1), encodeJson(1, { a: 1 })])),
  fc.uint8Array({ maxLength: 60 }).map((b) => {
    // A C frame whose zlib stream is damaged after a plausible header.
    const z = deflateSync(Buffer.concat([encodeJson(1, { b: 2 }), Buffer.from(b)]));
    const at = (b[0] ?? 0) % z.length;
    z[at] = z[at]! ^ ((b[b.length - 1] ?? 0) | 1);
    return cFrame(z);
  }),
);

describe('fuzz', () => {
  it('random bytes only ever raise LumberjackError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), sizes, (bytes, s) => {
        onlyLumberjackErrors(feed(Buffer.from(bytes), s));
      }),
      { numRuns: 2000 },
    );
  });

  it('Lumberjack-shaped garbage only ever raises LumberjackError', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), sizes, (pieces, s) => {
        onlyLumberjackErrors(feed(Buffer.concat(pieces), s));
      }),
      { numRuns: 2000 },
    );
  });

  it('valid streams with flipped bytes only ever raise LumberjackError', () => {
    const valid = Buffer.concat([
      encodeWindow(3),
      encodeJson(1, { message: 'hello', n: 1 }),
      encodeCompressed([encodeJson(2, { a: [1, 2] }), encodeData(3, { k: 'v' })]),
      encodeAck(3),
    ]);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        sizes,
        (flips, s) => {
          const bytes = Buffer.from(valid);
          for (const [at, mask] of flips) bytes[at]! ^= mask;
          onlyLumberjackErrors(feed(bytes, s));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
