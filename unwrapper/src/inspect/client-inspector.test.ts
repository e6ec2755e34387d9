import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import fc from 'fast-check';
import {
  encodeCompressed,
  encodeData,
  encodeJson,
  encodeWindow,
  type Frame,
} from '@beats-gate/lumberjack';
import { decodeAll, feed, inspectorFor } from './test-support.ts';

const vectors = resolve(import.meta.dirname, '../../../../shared/vectors');
const VECTORS = ['v2-uncompressed-2x500', 'v2-zlib3-3x2048'];
const upload = (name: string) => readFileSync(resolve(vectors, `${name}.beat-to-logstash.bin`));
const STAMP = { subject: 'device-7', tunnel_id: 'tunnel-1', claims: { tenant: 'acme', x: 1 } };

/** The frames with the stamped field removed, to compare with what went in. */
function shape(frames: Frame[]) {
  return frames.map((f) => {
    if (f.type === 'json') {
      const event = structuredClone(f.event) as Record<string, Record<string, unknown>>;
      const stamp = event['@metadata']?.beats_gate;
      delete event['@metadata']?.beats_gate;
      if (event['@metadata'] && Object.keys(event['@metadata']).length === 0) {
        delete event['@metadata'];
      }
      return { type: f.type, seq: f.seq, compressed: f.compressed, event, stamp };
    }
    if (f.type === 'data') return { type: f.type, seq: f.seq, compressed: f.compressed };
    return f;
  });
}

describe('client inspector on the recorded vectors', () => {
  for (const name of VECTORS) {
    it(`${name}: validate mode forwards the exact bytes, window by window`, async () => {
      const bytes = upload(name);
      const { inspector, written, errors } = inspectorFor({ mode: 'validate' });
      await feed(inspector, bytes, [1, 7, 4096, 333, 65536]);
      assert.deepEqual(errors, []);
      assert.equal(written.length, name.includes('2x500') ? 2 : 3);
      assert.deepEqual(Buffer.concat(written.map((w) => w.bytes)), bytes);
      assert.equal(inspector.pendingBytes, 0);
    });

    it(`${name}: stamp mode overwrites the field, keeps every other field, window and seq`, async () => {
      const bytes = upload(name);
      const { inspector, written, errors } = inspectorFor();
      await feed(inspector, bytes, [1000, 17, 70000]);
      assert.deepEqual(errors, []);
      const before = shape(decodeAll(bytes));
      const after = shape(decodeAll(Buffer.concat(written.map((w) => w.bytes))));
      const strip = (frames: ReturnType<typeof shape>) =>
        frames.map((f) => ({ ...f, stamp: undefined }));
      assert.deepEqual(strip(after), strip(before));
      const stamps = after.filter((f) => f.type === 'json').map((f) => 'stamp' in f && f.stamp);
      assert.equal(stamps.length, name.includes('2x500') ? 1000 : 6144);
      for (const stamp of stamps) assert.deepEqual(stamp, STAMP);
      // Nothing in the recorded events had the field, so it was all new.
      assert.ok(before.every((f) => !('stamp' in f) || f.stamp === undefined));
    });
  }

  it('re-compresses at the level of the zlib header, or the configured level', async () => {
    const bytes = upload('v2-zlib3-3x2048');
    const levelOf = (frames: Buffer) => frames[6 + 6 + 1]! >> 6;
    const auto = inspectorFor();
    await feed(auto.inspector, bytes);
    // Window 1 bytes: W (6) then C: header (6) then zlib CMF, FLG.
    assert.equal(levelOf(auto.written[0]!.bytes), levelOf(bytes));
    const fixed = inspectorFor({ compressionLevel: 9 });
    await feed(fixed.inspector, bytes);
    assert.equal(levelOf(fixed.written[0]!.bytes), 3);
    assert.ok(inflateSync(fixed.written[0]!.bytes.subarray(12)).length > 0);
  });
});

describe('client inspector on random windows', () => {
  const event = fc.record({
    message: fc.string(),
    n: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    '@metadata': fc.option(
      fc.record({ beat: fc.constant('filebeat'), beats_gate: fc.jsonValue({ maxDepth: 2 }) }),
      { nil: undefined },
    ),
  });
  it('stamps every event, keeps the rest, in any chunking, compressed or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(event, { minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 5 }),
        async (windows, compressed, sizes) => {
          const frames = windows.map((events, w) => {
            const js = events.map((e, i) => encodeJson(i + 1, e));
            return Buffer.concat([
              encodeWindow(events.length),
              ...(compressed[w] ? [encodeCompressed(js, 3)] : js),
            ]);
          });
          const input = Buffer.concat(frames);
          const { inspector, written, errors } = inspectorFor();
          await feed(inspector, input, sizes);
          assert.deepEqual(errors, []);
          assert.equal(written.length, windows.length);
          const out = decodeAll(Buffer.concat(written.map((w) => w.bytes)));
          const events = out.filter((f) => f.type === 'json');
          const expected = windows.flat();
          assert.equal(events.length, expected.length);
          events.forEach((f, i) => {
            const meta = f.event['@metadata'] as Record<string, unknown>;
            assert.deepEqual(meta.beats_gate, STAMP);
            // Compared with what a parser makes of the input (-0 is written as 0, for one).
            const original = JSON.parse(JSON.stringify(expected[i])) as typeof f.event;
            assert.equal(f.event.message, original.message);
            assert.equal(f.event.n, original.n);
            if (original['@metadata']) assert.equal(meta.beat, 'filebeat');
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stamps v1 D frames as flattened keys, removing the device copy', async () => {
    const input = Buffer.concat([
      encodeWindow(2, 1),
      encodeData(1, { line: 'a', '@metadata.beats_gate.subject': 'evil', host: 'x' }),
      encodeCompressed([encodeData(2, { line: 'b' })]),
    ]);
    const { inspector, written, errors } = inspectorFor();
    await feed(inspector, input);
    assert.deepEqual(errors, []);
    const data = decodeAll(written[0]!.bytes).filter((f) => f.type === 'data');
    assert.deepEqual(data[0]!.event, {
      line: 'a',
      host: 'x',
      '@metadata.beats_gate.subject': 'device-7',
      '@metadata.beats_gate.tunnel_id': 'tunnel-1',
      '@metadata.beats_gate.claims.tenant': 'acme',
      '@metadata.beats_gate.claims.x': '1',
    });
    assert.equal(data[1]!.compressed, true);
    assert.equal(data[1]!.event.line, 'b');
  });
});
