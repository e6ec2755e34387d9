// Property: any stream the encoders can produce decodes to exactly the frames that went in, however
// it is cut into chunks, and re-encoding those frames gives back the same bytes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createDecoder } from './decode.ts';
import { encodeAck, encodeCompressed, encodeData, encodeJson, encodeWindow } from './encode.ts';
import type { Frame, Version } from './frames.ts';
import { reencode, splitInto, toComparable } from './test-support.ts';

const text = fc.string({ unit: 'binary', maxLength: 40 });
const jsonEvent = fc.dictionary(text, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 });
// Spread: fast-check makes null-prototype objects; the decoder makes plain ones.
const dataEvent = fc.dictionary(text, text, { maxKeys: 8 }).map((event) => ({ ...event }));

/** One window as the encoders write it: W, then the events plain or in a C frame, maybe an ack. */
const windowArb = fc.record({
  version: fc.constantFrom<Version>(1, 2),
  jsonEvents: fc.array(jsonEvent, { maxLength: 12 }),
  dataEvents: fc.array(dataEvent, { maxLength: 12 }),
  level: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
  compressedVersion: fc.constantFrom<Version>(1, 2),
  ack: fc.option(fc.nat({ max: 0xffffffff }), { nil: undefined }),
});
type WindowModel = typeof windowArb extends fc.Arbitrary<infer T> ? T : never;

function encodeModel(windows: WindowModel[]): { bytes: Buffer; frames: Frame[] } {
  const parts: Buffer[] = [];
  const frames: Frame[] = [];
  for (const w of windows) {
    const events =
      w.version === 2
        ? w.jsonEvents.map((event, i): Frame => {
            const payload = Buffer.from(JSON.stringify(event));
            return {
              type: 'json',
              version: 2,
              seq: i + 1,
              payload,
              event: JSON.parse(payload.toString()) as Record<string, unknown>,
            };
          })
        : w.dataEvents.map((event, i): Frame => ({ type: 'data', version: 1, seq: i + 1, event }));
    const encoded = events.map((f) =>
      f.type === 'json'
        ? encodeJson(f.seq, f.payload)
        : encodeData((f as { seq: number }).seq, (f as { event: Record<string, string> }).event),
    );
    parts.push(encodeWindow(events.length, w.version));
    frames.push({ type: 'window', version: w.version, size: events.length });
    if (w.level === undefined) {
      parts.push(...encoded);
      frames.push(...events);
    } else {
      const c = encodeCompressed(encoded, w.level);
      // Old lumberjack wrote '1C'; the frame is otherwise the same.
      if (w.compressedVersion === 1) c[0] = 0x31;
      parts.push(c);
      frames.push(...events.map((f) => ({ ...f, compressed: true as const })));
    }
    if (w.ack !== undefined) {
      parts.push(encodeAck(w.ack, w.version));
      frames.push({ type: 'ack', version: w.version, seq: w.ack });
    }
  }
  return { bytes: Buffer.concat(parts), frames };
}

const chunkSizes = fc.array(
  fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 5000 })),
  {
    minLength: 1,
    maxLength: 20,
  },
);

describe('encode → decode round trip', () => {
  it('decodes what was encoded, identically, at any chunk boundaries', () => {
    fc.assert(
      fc.property(fc.array(windowArb, { maxLength: 6 }), chunkSizes, (windows, sizes) => {
        const { bytes, frames } = encodeModel(windows);
        const decoder = createDecoder();
        const decoded: Frame[] = [];
        for (const chunk of splitInto(bytes, sizes)) decoded.push(...decoder.push(chunk));
        decoder.end();
        assert.equal(decoder.bufferedBytes, 0);
        assert.deepEqual(decoded.map(toComparable), frames.map(toComparable));
      }),
      { numRuns: 300 },
    );
  });

  it('re-encodes decoded frames into the same bytes', () => {
    fc.assert(
      fc.property(fc.array(windowArb, { maxLength: 4 }), chunkSizes, (windows, sizes) => {
        // Re-encoding writes '2C' (what the encoder emits), so keep the model on '2C' here; an
        // empty C frame decodes to no frame at all, so there is nothing to re-encode it from.
        const model = windows.map((w): WindowModel => {
          const empty = (w.version === 2 ? w.jsonEvents : w.dataEvents).length === 0;
          return { ...w, compressedVersion: 2, level: empty ? undefined : w.level };
        });
        const { bytes } = encodeModel(model);
        const decoder = createDecoder();
        const decoded: Frame[] = [];
        for (const chunk of splitInto(bytes, sizes)) decoded.push(...decoder.push(chunk));
        const levels = model.filter((w) => w.level !== undefined).map((w) => w.level!);
        assert.deepEqual(reencode(decoded, levels), bytes);
      }),
      { numRuns: 200 },
    );
  });
});
