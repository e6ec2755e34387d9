import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDecoder } from './decode.ts';
import { encodeCompressed, encodeJson, encodeWindow } from './encode.ts';
import type { DecoderOptions } from './limits.ts';
import {
  describeByte,
  isLumberjackError,
  LumberjackError,
  type LumberjackErrorCode,
} from './errors.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/**
 * For every code of the union, bytes the decoder rejects with it. The `satisfies` makes this file
 * stop compiling when a code is added without an input that raises it, so the union lists exactly
 * the failures the decoder has (decode-errors.test.ts checks each one in depth).
 */
const RAISED_BY = {
  ERR_LJ_BAD_VERSION: { bytes: hex('33') },
  ERR_LJ_UNKNOWN_FRAME: { bytes: hex('32 58') },
  ERR_LJ_FRAME_TOO_LARGE: { bytes: hex('324a 00000001 ffffffff') },
  ERR_LJ_WINDOW_TOO_LARGE: { bytes: encodeWindow(65537) },
  ERR_LJ_DECOMPRESSED_TOO_LARGE: {
    bytes: encodeCompressed(encodeJson(1, { pad: 'x'.repeat(1000) })),
    options: { maxDecompressedBytes: 1000 },
  },
  ERR_LJ_NESTED_COMPRESSION: {
    bytes: encodeCompressed([encodeWindow(1), encodeCompressed([encodeJson(1, { a: 1 })])]),
  },
  ERR_LJ_BAD_COMPRESSION: { bytes: hex('3243 00000005 0102030405') },
  ERR_LJ_INVALID_JSON: { bytes: encodeJson(1, '[]') },
  ERR_LJ_INVALID_FRAME: { bytes: hex('31 4a') },
  // Only end() can tell that the stream stopped inside a frame.
  ERR_LJ_TRUNCATED: { bytes: hex('32 57 0000'), end: true },
} satisfies Record<LumberjackErrorCode, { bytes: Buffer; options?: DecoderOptions; end?: boolean }>;

describe('LumberjackError', () => {
  it('carries a literal code, a name, a message and a cause', () => {
    const cause = new Error('zlib said no');
    const error = new LumberjackError('ERR_LJ_BAD_COMPRESSION', 'bad stream', { cause });
    assert.ok(error instanceof Error);
    assert.ok(isLumberjackError(error));
    assert.equal(isLumberjackError(cause), false);
    assert.equal(error.name, 'LumberjackError');
    assert.equal(error.code, 'ERR_LJ_BAD_COMPRESSION');
    assert.equal(error.message, 'bad stream');
    assert.equal(error.cause, cause);
  });

  for (const [code, input] of Object.entries(RAISED_BY)) {
    it(`${code} is raised by the decoder`, () => {
      const decoder = createDecoder('options' in input ? input.options : undefined);
      assert.throws(
        () => {
          decoder.push(input.bytes);
          if ('end' in input) decoder.end();
        },
        (error) => isLumberjackError(error) && error.code === code,
      );
    });
  }

  it('shows wire bytes readably', () => {
    assert.equal(describeByte(0x57), "'W' (0x57)");
    assert.equal(describeByte(0x00), '0x00');
    assert.equal(describeByte(0xff), '0xff');
  });
});
