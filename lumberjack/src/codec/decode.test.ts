import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { createDecoder } from './decode.ts';
import { encodeAck, encodeCompressed, encodeData, encodeJson, encodeWindow } from './encode.ts';
import type { Frame } from './frames.ts';
import { toComparable } from './test-support.ts';

function decodeBytewise(bytes: Buffer): Frame[] {
  const decoder = createDecoder();
  const frames: Frame[] = [];
  for (let i = 0; i < bytes.length; i++) frames.push(...decoder.push(bytes.subarray(i, i + 1)));
  decoder.end();
  return frames;
}

describe('createDecoder', () => {
  it('returns each frame as soon as its last byte arrives, and only then', () => {
    const decoder = createDecoder();
    const j = encodeJson(1, { a: 1 });
    assert.deepEqual(decoder.push(j.subarray(0, j.length - 1)), []);
    assert.equal(decoder.bufferedBytes, j.length - 1);
    const [frame] = decoder.push(j.subarray(j.length - 1));
    assert.equal(frame?.type, 'json');
    assert.equal(decoder.bufferedBytes, 0);
    decoder.end();
  });

  it('returns several frames from one chunk, in order', () => {
    const bytes = Buffer.concat([
      encodeWindow(2),
      encodeJson(1, { a: 1 }),
      encodeJson(2, { b: 2 }),
    ]);
    const frames = createDecoder().push(bytes);
    assert.deepEqual(
      frames.map((f) => [f.type, 'seq' in f ? f.seq : f.size]),
      [
        ['window', 2],
        ['json', 1],
        ['json', 2],
      ],
    );
  });

  it('gives J payloads as their exact bytes, copied out of the caller’s chunk', () => {
    const text = '{"message":"héllo ☃","n":1.50}';
    const chunk = encodeJson(9, text);
    const [frame] = createDecoder().push(chunk);
    assert.ok(frame?.type === 'json');
    assert.equal(frame.payload.toString('utf8'), text);
    assert.deepEqual(frame.event, { message: 'héllo ☃', n: 1.5 });
    chunk.fill(0); // the caller reusing its buffer must not change a decoded frame
    assert.equal(frame.payload.toString('utf8'), text);
  });

  it('accepts plain Uint8Arrays, not only Buffers', () => {
    const bytes = new Uint8Array(encodeAck(7));
    assert.deepEqual(createDecoder().push(bytes), [{ type: 'ack', version: 2, seq: 7 }]);
  });

  it('replaces a C frame by its frames, marked compressed', () => {
    const inner = [encodeJson(1, { a: 1 }), encodeJson(2, { a: 2 })];
    const frames = decodeBytewise(Buffer.concat([encodeWindow(2), encodeCompressed(inner)]));
    assert.deepEqual(frames.map(toComparable), [
      { type: 'window', version: 2, size: 2 },
      ...[1, 2].map((seq) => ({
        type: 'json',
        version: 2,
        seq,
        payload: inner[seq - 1]!.subarray(10).toString('hex'),
        event: { a: seq },
        compressed: true,
      })),
    ]);
  });

  it('passes W and A frames inside a C frame through like any other frame', () => {
    const c = encodeCompressed([encodeWindow(1, 1), encodeData(1, { a: 'b' }), encodeAck(1)]);
    assert.deepEqual(createDecoder().push(c), [
      { type: 'window', version: 1, size: 1, compressed: true },
      { type: 'data', version: 1, seq: 1, event: { a: 'b' }, compressed: true },
      { type: 'ack', version: 2, seq: 1, compressed: true },
    ]);
  });

  it('accepts lengths equal to maxFrameBytes', () => {
    const j = encodeJson(1, { a: 'x' });
    assert.equal(createDecoder({ maxFrameBytes: j.length - 10 }).push(j).length, 1);
    const c = encodeCompressed(j);
    assert.equal(createDecoder({ maxFrameBytes: c.length - 6 }).push(c).length, 1);
  });

  it("accepts old lumberjack's '1C' frames like '2C'", () => {
    const c = encodeCompressed([encodeData(1, { line: 'x' })]);
    c[0] = 0x31;
    assert.deepEqual(decodeBytewise(c), [
      { type: 'data', version: 1, seq: 1, event: { line: 'x' }, compressed: true },
    ]);
  });

  it('decodes v1 D frames, keeping a "__proto__" key as data', () => {
    const frame = Buffer.from(
      '3144' +
        '00000005' +
        '00000002' +
        '00000009' +
        Buffer.from('__proto__').toString('hex') +
        '00000001' +
        '78' +
        '00000000' +
        '00000000',
      'hex',
    );
    const [decoded] = decodeBytewise(frame);
    assert.ok(decoded?.type === 'data');
    assert.equal(Object.getPrototypeOf(decoded.event), Object.prototype);
    assert.deepEqual(Object.entries(decoded.event), [
      ['__proto__', 'x'],
      ['', ''],
    ]);
  });

  it('decodes a D frame with no pairs', () => {
    assert.deepEqual(decodeBytewise(encodeData(4, {})), [
      { type: 'data', version: 1, seq: 4, event: {} },
    ]);
  });

  it('judges each frame by its own version byte, so v1 and v2 may mix', () => {
    const bytes = Buffer.concat([
      encodeWindow(2, 1),
      encodeData(1, { a: 'b' }),
      encodeJson(2, { c: 'd' }),
      encodeAck(2, 1),
      encodeAck(2, 2),
    ]);
    assert.deepEqual(
      decodeBytewise(bytes).map((f) => `${f.version}${f.type}`),
      ['1window', '1data', '2json', '1ack', '2ack'],
    );
  });

  it('passes a W count equal to maxWindowSize and an inflated size equal to the cap', () => {
    assert.deepEqual(createDecoder({ maxWindowSize: 10 }).push(encodeWindow(10)), [
      { type: 'window', version: 2, size: 10 },
    ]);
    const inner = encodeJson(1, { pad: 'x'.repeat(100) });
    const decoder = createDecoder({ maxDecompressedBytes: inner.length });
    assert.equal(decoder.push(encodeCompressed(inner)).length, 1);
  });

  it('accepts a zlib stream made by another deflater (stored blocks, no compression)', () => {
    const content = Buffer.concat([encodeJson(1, { a: 1 })]);
    const deflated = deflateSync(content, { level: 0 });
    const frame = Buffer.concat([Buffer.from('2C', 'latin1'), Buffer.alloc(4), deflated]);
    frame.writeUInt32BE(deflated.length, 2);
    assert.equal(createDecoder().push(frame).length, 1);
  });

  it('with parseJson: false, parses an event only when it is read', () => {
    const decoder = createDecoder({ parseJson: false });
    const [good, bad] = decoder.push(Buffer.concat([encodeJson(1, '{"a":1}'), encodeJson(2, '[')]));
    assert.ok(good?.type === 'json' && bad?.type === 'json');
    assert.equal(bad.payload.toString(), '[');
    assert.deepEqual(good.event, { a: 1 });
    assert.equal(good.event, good.event, 'parsed once, then kept');
    assert.throws(() => bad.event, { code: 'ERR_LJ_INVALID_JSON' });
  });

  it('ends quietly between frames', () => {
    const decoder = createDecoder();
    decoder.end();
    decoder.push(encodeAck(1));
    decoder.end();
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('validates its options when created', () => {
    assert.throws(() => createDecoder({ maxFrameBytes: 0 }), {
      name: 'RangeError',
      message: /options\.maxFrameBytes must be an integer from 1 to \d+, got 0/,
    });
    assert.throws(() => createDecoder({ maxWindowSize: 1.5 }), /options\.maxWindowSize/);
    assert.throws(() => createDecoder({ maxDecompressedBytes: -1 }), /maxDecompressedBytes/);
    assert.throws(() => createDecoder({ parseJson: 'yes' as unknown as boolean }), TypeError);
    assert.throws(() => createDecoder().push('2W' as unknown as Uint8Array), TypeError);
  });
});
