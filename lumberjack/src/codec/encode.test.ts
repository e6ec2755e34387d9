import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import {
  encodeAck,
  encodeCompressed,
  encodeCompressedAsync,
  encodeData,
  encodeJson,
  encodeWindow,
} from './encode.ts';

const hex = (buf: Buffer) => buf.toString('hex');

describe('encoders', () => {
  it('writes W and A frames byte-exactly, v2 by default', () => {
    assert.equal(hex(encodeWindow(500)), '3257000001f4');
    assert.equal(hex(encodeWindow(1, 1)), '315700000001');
    assert.equal(hex(encodeAck(2048)), '324100000800');
    assert.equal(hex(encodeAck(0xffffffff, 1)), '3141ffffffff');
  });

  it('writes J frames from objects, strings and bytes alike', () => {
    const expected = '324a' + '00000007' + '0000000a' + Buffer.from('{"a":"é"}').toString('hex');
    assert.equal(hex(encodeJson(7, { a: 'é' })), expected);
    assert.equal(hex(encodeJson(7, '{"a":"é"}')), expected);
    assert.equal(hex(encodeJson(7, new TextEncoder().encode('{"a":"é"}'))), expected);
  });

  it('writes D frames with pairs in key order', () => {
    const frame = encodeData(3, { k: 'v', ü: '' });
    assert.equal(
      hex(frame),
      '3144' +
        '00000003' +
        '00000002' +
        '00000001' +
        '6b' +
        '00000001' +
        '76' +
        '00000002c3bc' +
        '00000000',
    );
  });

  it('wraps frames in a 2C frame holding a zlib-format stream', () => {
    const inner = [encodeJson(1, { a: 1 }), encodeJson(2, { b: 2 })];
    const frame = encodeCompressed(inner);
    assert.equal(hex(frame.subarray(0, 2)), '3243');
    assert.equal(frame.readUInt32BE(2), frame.length - 6);
    assert.equal(frame[6], 0x78, 'zlib header, not gzip or raw deflate');
    assert.deepEqual(inflateSync(frame.subarray(6)), Buffer.concat(inner));
  });

  it('gives the same bytes from the async encoder', async () => {
    const inner = encodeJson(1, { a: 'x'.repeat(1000) });
    for (const level of [0, 1, 3, 9]) {
      assert.deepEqual(await encodeCompressedAsync(inner, level), encodeCompressed(inner, level));
    }
  });

  it('rejects bad arguments with errors that name them', () => {
    assert.throws(() => encodeCompressed([], 10), {
      name: 'RangeError',
      message: /compression level must be an integer from 0 to 9, got 10/,
    });
    assert.throws(() => encodeCompressed([], 1.5), RangeError);
    assert.throws(() => encodeWindow(-1), /window size must be an integer/);
    assert.throws(() => encodeAck(2 ** 32), /ack seq/);
    assert.throws(() => encodeWindow(1, 3 as 2), /version must be 1 or 2, got 3/);
    assert.throws(() => encodeJson(1, [1] as object), TypeError);
    assert.throws(() => encodeData(1, { a: 1 } as unknown as Record<string, string>), TypeError);
  });
});
