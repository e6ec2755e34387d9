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
import { decodeAll, feed, gateFor, settle } from './test-support.ts';

const vectors = resolve(import.meta.dirname, '../../../lumberjack/test/vectors');
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

describe('gate on the recorded vectors', () => {
  for (const name of VECTORS) {
    it(`${name}: validate mode forwards the exact bytes and reports each window`, async () => {
      const bytes = upload(name);
      const { gate, written, windows, errors } = gateFor({ mode: 'validate' });
      await feed(gate, bytes, [1, 7, 4096, 333, 65536]);
      assert.deepEqual(errors, []);
      assert.deepEqual(windows, name.includes('2x500') ? [500, 500] : [2048, 2048, 2048]);
      assert.deepEqual(Buffer.concat(written), bytes);
      assert.equal(gate.heldBytes, 0);
    });

    it(`${name}: stamp mode overwrites the field, keeps every other field, window and seq`, async () => {
      const bytes = upload(name);
      const { gate, written, errors } = gateFor();
      await feed(gate, bytes, [1000, 17, 70000]);
      assert.deepEqual(errors, []);
      const before = shape(decodeAll(bytes));
      const after = shape(decodeAll(Buffer.concat(written)));
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
    const auto = gateFor();
    await feed(auto.gate, bytes);
    // Window 1 bytes: W (6) then C: header (6) then zlib CMF, FLG.
    const first = (run: ReturnType<typeof gateFor>) => Buffer.concat(run.written);
    assert.equal(levelOf(first(auto)), levelOf(bytes));
    const fixed = gateFor({ compressionLevel: 9 });
    await feed(fixed.gate, bytes);
    assert.equal(levelOf(first(fixed)), 3);
    const length = first(fixed).readUInt32BE(8);
    assert.ok(inflateSync(first(fixed).subarray(12, 12 + length)).length > 0);
  });
});

describe('gate on random windows', () => {
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
          const run = gateFor();
          await feed(run.gate, input, sizes);
          assert.deepEqual(run.errors, []);
          assert.deepEqual(
            run.windows,
            windows.map((w) => w.length),
          );
          const out = decodeAll(Buffer.concat(run.written));
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
    const { gate, written, errors } = gateFor();
    await feed(gate, input);
    assert.deepEqual(errors, []);
    const data = decodeAll(Buffer.concat(written)).filter((f) => f.type === 'data');
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

describe('gate streaming', () => {
  /** A window of `count` events of about `size` bytes each, compressed (one C frame) or not. */
  function windowOf(count: number, size: number, compressed: boolean) {
    const js = Array.from({ length: count }, (_, i) =>
      encodeJson(i + 1, { seq: i, message: `${i}:`.padEnd(size, 'abcdefghij'.repeat(4) + i) }),
    );
    return Buffer.concat([encodeWindow(count), ...(compressed ? [encodeCompressed(js, 3)] : js)]);
  }

  for (const mode of ['validate', 'stamp'] as const) {
    it(`${mode}: a window larger than maxFrameBytes passes when each frame fits`, async () => {
      // 64 events of 4 KiB: 256 KiB of window, uncompressed, with frames under 8 KiB.
      const input = windowOf(64, 4096, false);
      const run = gateFor({ mode, limits: { maxFrameBytes: 8192 } });
      await feed(run.gate, input, [1500]);
      assert.deepEqual(run.errors, []);
      assert.deepEqual(run.windows, [64]);
    });

    it(`${mode}: a C frame inflating far past what is held passes, streamed`, async () => {
      // 2048 events of 8 KiB: 16 MiB of content in one small C frame.
      const input = windowOf(2048, 8192, true);
      const run = gateFor({ mode });
      await feed(run.gate, input, [65536]);
      assert.deepEqual(run.errors, []);
      assert.deepEqual(run.windows, [2048]);
      const events = decodeAll(Buffer.concat(run.written)).filter((f) => f.type === 'json');
      assert.equal(events.length, 2048);
      assert.deepEqual(
        events.map((f) => f.seq),
        Array.from({ length: 2048 }, (_, i) => i + 1),
      );
      if (mode === 'stamp') {
        // Re-compressed in runs: more than one C frame, still one window.
        const frames = decodeAll(Buffer.concat(run.written));
        assert.equal(frames.filter((f) => f.type === 'window').length, 1);
      }
    });

    it(`${mode}: a W 0 before a window in one C frame passes (it opens nothing, as at Logstash)`, async () => {
      const inner = [encodeWindow(0), encodeWindow(1), encodeJson(1, { a: 1 })];
      const run = gateFor({ mode });
      await feed(run.gate, Buffer.concat([encodeWindow(0), encodeCompressed(inner)]));
      assert.deepEqual(run.errors, []);
      assert.deepEqual(run.windows, [1]);
      assert.equal(
        decodeAll(Buffer.concat(run.written)).filter((f) => f.type === 'json').length,
        1,
      );
    });
  }

  it('takes no bytes while a C frame inflates, and says so', async () => {
    const run = gateFor();
    const input = Buffer.concat([windowOf(10, 100, true), windowOf(2, 10, false)]);
    assert.equal(run.gate.push(input), false, 'blocked while the C frame inflates');
    assert.equal(run.gate.blocked, true);
    await settle(run.gate);
    assert.equal(run.gate.blocked, false);
    assert.deepEqual(run.windows, [10, 2]);
  });

  it('stamp: never writes the last event of a C frame before its checksum passed', async () => {
    const good = windowOf(400, 4096, true);
    // Corrupt the Adler-32 trailer: every event inflates, the stream fails at its very end.
    const bad = Buffer.from(good);
    bad[bad.length - 1]! ^= 0xff;
    const run = gateFor();
    await feed(run.gate, bad);
    assert.equal(run.errors[0]?.code, 'ERR_LJ_BAD_COMPRESSION');
    assert.deepEqual(run.windows, []);
    const written = decodeAll(Buffer.concat(run.written)).filter((f) => f.type === 'json');
    assert.ok(written.length < 400, `${written.length} events written of 400`);
  });
});
