// Every malformed input is rejected with its own code and a message naming the offending value,
// as soon as the bytes that prove it is malformed have arrived.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { createDecoder } from './decode.ts';
import type { DecoderOptions } from './limits.ts';
import { encodeCompressed, encodeData, encodeJson, encodeWindow } from './encode.ts';
import { LumberjackError, type LumberjackErrorCode } from './errors.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function rejects(
  bytes: Buffer,
  code: LumberjackErrorCode,
  message: RegExp,
  options?: DecoderOptions,
) {
  const decoder = createDecoder(options);
  let thrown: unknown;
  try {
    decoder.push(bytes);
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown instanceof LumberjackError, `expected ${code}, got ${String(thrown)}`);
  assert.equal(thrown.code, code);
  assert.match(thrown.message, message);
  // A dead decoder keeps failing with the same error.
  assert.throws(
    () => decoder.push(encodeWindow(1)),
    (e) => e === thrown,
  );
  assert.throws(
    () => decoder.end(),
    (e) => e === thrown,
  );
  return thrown;
}

/** A C frame around arbitrary payload bytes. */
function cFrame(payload: Buffer): Buffer {
  const header = hex('3243 00000000');
  header.writeUInt32BE(payload.length, 2);
  return Buffer.concat([header, payload]);
}

describe('decoder rejects malformed input', () => {
  it('bad version byte, from the first byte alone', () => {
    rejects(hex('33'), 'ERR_LJ_BAD_VERSION', /version byte '3' \(0x33\), expected '1' or '2'/);
    rejects(hex('00 57'), 'ERR_LJ_BAD_VERSION', /version byte 0x00/);
    // After a valid frame, the next frame's version is checked too.
    rejects(Buffer.concat([encodeWindow(1), hex('ff')]), 'ERR_LJ_BAD_VERSION', /0xff/);
  });

  it('unknown frame type', () => {
    rejects(hex('32 58'), 'ERR_LJ_UNKNOWN_FRAME', /unknown frame type 'X' \(0x58\) \(version 2\)/);
    rejects(hex('31 00'), 'ERR_LJ_UNKNOWN_FRAME', /0x00 \(version 1\)/);
  });

  it('J on v1 and D on v2', () => {
    rejects(hex('31 4a'), 'ERR_LJ_INVALID_FRAME', /JSON \(J\) frame with version 1/);
    rejects(hex('32 44'), 'ERR_LJ_INVALID_FRAME', /data \(D\) frame with version 2/);
  });

  it('length 0xFFFFFFFF, at once, without waiting for the payload', () => {
    const e = rejects(
      hex('324a 00000001 ffffffff'),
      'ERR_LJ_FRAME_TOO_LARGE',
      /length 4294967295 is over maxFrameBytes \(67108864\)/,
    );
    assert.match(e.message, /JSON frame seq 1/);
    rejects(hex('3243 ffffffff'), 'ERR_LJ_FRAME_TOO_LARGE', /compressed frame: length 4294967295/);
    rejects(hex('3144 00000001 ffffffff'), 'ERR_LJ_FRAME_TOO_LARGE', /4294967295 pairs cannot fit/);
    rejects(
      hex('3144 00000001 00000001 ffffffff'),
      'ERR_LJ_FRAME_TOO_LARGE',
      /key length 4294967295/,
    );
    rejects(
      hex('3144 00000001 00000001 00000000 ffffffff'),
      'ERR_LJ_FRAME_TOO_LARGE',
      /value length 4294967295/,
    );
  });

  it('a length just over a configured maxFrameBytes, and a D frame that grows past it', () => {
    rejects(
      hex('324a 00000001 00000401'),
      'ERR_LJ_FRAME_TOO_LARGE',
      /1025 is over maxFrameBytes \(1024\)/,
      { maxFrameBytes: 1024 },
    );
    const data = encodeData(1, { a: 'x'.repeat(500), b: 'y'.repeat(500) });
    rejects(
      data,
      'ERR_LJ_FRAME_TOO_LARGE',
      /value length 500 takes the frame over maxFrameBytes \(1000\)/,
      { maxFrameBytes: 1000 },
    );
    assert.equal(createDecoder({ maxFrameBytes: data.length }).push(data).length, 1);
  });

  it('window over the limit', () => {
    rejects(
      encodeWindow(65537),
      'ERR_LJ_WINDOW_TOO_LARGE',
      /window size 65537 is over maxWindowSize \(65536\)/,
    );
    rejects(encodeWindow(0xffffffff, 1), 'ERR_LJ_WINDOW_TOO_LARGE', /4294967295/);
    rejects(encodeWindow(11), 'ERR_LJ_WINDOW_TOO_LARGE', /over maxWindowSize \(10\)/, {
      maxWindowSize: 10,
    });
  });

  it('invalid JSON, non-object JSON and invalid UTF-8', () => {
    for (const [payload, why] of [
      ['{', /not valid JSON \(at character 1\)$/],
      ['', /not valid JSON/],
      // The message never quotes the payload: it ends up in logs and close reasons.
      ['{"secret":"hunter2","x":tru}', /^JSON frame seq 3: payload of 28 bytes is not valid JSON$/],
      ['{"a":1}x', /not valid JSON/],
      ['[]', /must be a JSON object, got an array/],
      ['null', /got null/],
      ['"text"', /got string/],
      ['12', /got number/],
    ] as const) {
      const e = rejects(encodeJson(3, payload), 'ERR_LJ_INVALID_JSON', why);
      assert.match(e.message, /JSON frame seq 3/);
    }
    rejects(encodeJson(1, hex('7b2261223a22ff227d')), 'ERR_LJ_INVALID_JSON', /not valid UTF-8/);
    rejects(encodeCompressed(encodeJson(1, '[1]')), 'ERR_LJ_INVALID_JSON', /got an array/);
  });

  it('invalid UTF-8 in a D key or value', () => {
    rejects(
      hex('3144 00000001 00000001 00000001 ff 00000000'),
      'ERR_LJ_INVALID_FRAME',
      /key of 1 bytes is not valid UTF-8/,
    );
  });

  it('C inside C', () => {
    const inner = encodeCompressed([encodeJson(1, { a: 1 })]);
    rejects(
      encodeCompressed([encodeWindow(1), inner]),
      'ERR_LJ_NESTED_COMPRESSION',
      /compressed \(C\) frame inside a compressed frame/,
    );
  });

  it('C content that ends inside a frame', () => {
    const j = encodeJson(1, { a: 1 });
    rejects(
      encodeCompressed([encodeWindow(1), j.subarray(0, -1)]),
      'ERR_LJ_BAD_COMPRESSION',
      /ends inside a JSON \(J\) frame/,
    );
    rejects(encodeCompressed(hex('32')), 'ERR_LJ_BAD_COMPRESSION', /ends inside a frame header/);
  });

  it('invalid zlib: garbage, gzip, raw deflate, truncated, empty, trailing bytes', () => {
    const content = encodeJson(1, { a: 1 });
    const zlib = deflateSync(content);
    for (const payload of [
      hex('0102030405'),
      gzipSync(content),
      deflateRawSync(content),
      zlib.subarray(0, -3),
      Buffer.alloc(0),
    ]) {
      const e = rejects(cFrame(payload), 'ERR_LJ_BAD_COMPRESSION', /is not a valid zlib stream/);
      assert.ok(e.cause instanceof Error, 'keeps zlib’s error as the cause');
    }
    rejects(
      cFrame(Buffer.concat([zlib, hex('00')])),
      'ERR_LJ_BAD_COMPRESSION',
      /1 bytes after the end of its zlib stream/,
    );
  });

  it('a C frame that inflates past the cap', () => {
    const inner = encodeJson(1, { pad: 'x'.repeat(1000) });
    rejects(
      encodeCompressed(inner),
      'ERR_LJ_DECOMPRESSED_TOO_LARGE',
      /inflates past maxDecompressedBytes \(1000\)/,
      { maxDecompressedBytes: 1000 },
    );
  });
});

describe('decoder end()', () => {
  it('throws ERR_LJ_TRUNCATED for every cut inside a frame, and nothing at frame boundaries', () => {
    const frames = [
      encodeWindow(3),
      encodeJson(1, { a: 'b' }),
      encodeCompressed([encodeJson(2, { c: 'd' })]),
      encodeData(3, { e: 'f' }),
    ];
    const bytes = Buffer.concat(frames);
    const boundaries = new Set<number>([0]);
    frames.reduce((end, f) => (boundaries.add(end + f.length), end + f.length), 0);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = createDecoder();
      // Byte by byte, so the D frame is also seen half-assembled.
      for (let i = 0; i < cut; i++) decoder.push(bytes.subarray(i, i + 1));
      const frameStart = Math.max(...[...boundaries].filter((b) => b <= cut));
      assert.equal(decoder.bufferedBytes, cut - frameStart, `bufferedBytes after ${cut} bytes`);
      if (boundaries.has(cut)) {
        decoder.end();
        continue;
      }
      assert.throws(
        () => decoder.end(),
        (e: LumberjackError) => {
          assert.equal(e.code, 'ERR_LJ_TRUNCATED');
          assert.match(e.message, /stream ended inside .* \(\d+ bytes buffered\)/);
          return true;
        },
      );
    }
  });
});
