/**
 * Cuts the Beat→Logstash byte stream into its top-level frames, keeping each frame's exact bytes
 * next to what the codec decoded from them. The codec's decoder does all the validation and every
 * limit check: each piece is pushed into it before this module reads a length from that piece, so
 * nothing here waits for (or holds) more bytes than the decoder accepted. This module only finds
 * the boundaries, which the decoder does not report: frames of a C frame come out of it in place
 * of the C frame, and the origin needs to know which raw frame they came from (to forward the
 * original bytes, or to keep the C frame's structure and level when re-encoding).
 */
import { createDecoder, type DecoderOptions, type Frame } from '@beats-gate/lumberjack';

const TYPE_WINDOW = 0x57;
const TYPE_ACK = 0x41;
const TYPE_JSON = 0x4a;
const TYPE_COMPRESSED = 0x43;
const TYPE_DATA = 0x44;

export interface RawFrame {
  /** Type byte ('W', 'C', 'J', 'D'). */
  readonly type: number;
  /** The frame's exact bytes, in the pieces they arrived in (views of the pushed chunks). */
  readonly parts: Buffer[];
  readonly length: number;
  /** What the codec decoded from it: one frame, or the content of a C frame (maybe none). */
  readonly frames: Frame[];
}

export interface FrameSplitter {
  /** Feeds bytes in any chunking; returns the frames they complete. Throws LumberjackError. */
  push(chunk: Buffer): RawFrame[];
  /** Bytes held for the frame being received. */
  readonly bufferedBytes: number;
}

/** Reads a big-endian u32 at `offset` of the bytes spread over `parts`. */
export function readUInt32At(parts: readonly Buffer[], offset: number): number {
  let value = 0;
  for (let i = 0; i < 4; i++) value = value * 256 + byteAt(parts, offset + i);
  return value;
}

export function byteAt(parts: readonly Buffer[], offset: number): number {
  let at = offset;
  for (const part of parts) {
    if (at < part.length) return part[at]!;
    at -= part.length;
  }
  throw new RangeError(`offset ${offset} is past the frame's bytes`);
}

export function createFrameSplitter(options: DecoderOptions = {}): FrameSplitter {
  const decoder = createDecoder(options);
  let parts: Buffer[] = [];
  let decoded: Frame[] = [];
  let have = 0;
  /** Frame-relative offset of the next decision point: a field end or the frame's end. */
  let target = 2;
  let type = 0;
  /** D frames: pairs left, and whether the next length is a key's or a value's. */
  let pairsLeft = 0;
  let readingLength = true;
  let complete = false;

  function decide(): void {
    if (have === 2) {
      type = parts.length === 1 ? parts[0]![1]! : byteAt(parts, 1);
      if (type === TYPE_WINDOW || type === TYPE_ACK) target = 6;
      else if (type === TYPE_JSON || type === TYPE_DATA) target = 10;
      else if (type === TYPE_COMPRESSED) target = 6;
      return;
    }
    switch (type) {
      case TYPE_WINDOW:
      case TYPE_ACK:
        complete = true;
        return;
      case TYPE_JSON:
        if (have === 10) target = 10 + readUInt32At(parts, 6);
        else complete = true;
        if (target === have) complete = true;
        return;
      case TYPE_COMPRESSED:
        if (have === 6) target = 6 + readUInt32At(parts, 2);
        else complete = true;
        if (target === have) complete = true;
        return;
      case TYPE_DATA:
        if (have === 10) {
          pairsLeft = readUInt32At(parts, 6) * 2;
          readingLength = true;
        } else if (readingLength) {
          // A key or value length was just read; its bytes come next.
          readingLength = false;
          const length = readUInt32At(parts, have - 4);
          if (length > 0) {
            target = have + length;
            return;
          }
          pairsLeft--;
          readingLength = true;
        } else {
          pairsLeft--;
          readingLength = true;
        }
        if (pairsLeft === 0) complete = true;
        else target = have + 4;
        return;
    }
  }

  return {
    push(chunk) {
      const out: RawFrame[] = [];
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(target - have, chunk.length - offset);
        const piece = chunk.subarray(offset, offset + take);
        offset += take;
        // The decoder sees the bytes first: it throws on a bad version, type or length before
        // this module acts on them.
        const frames = decoder.push(piece);
        for (const frame of frames) decoded.push(frame);
        parts.push(piece);
        have += take;
        if (have < target) continue;
        decide();
        if (!complete) continue;
        if (decoder.bufferedBytes !== 0) {
          throw new Error(`frame splitter lost sync with the decoder at a ${type} frame`);
        }
        out.push({ type, parts, length: have, frames: decoded });
        parts = [];
        decoded = [];
        have = 0;
        target = 2;
        complete = false;
      }
      return out;
    },
    get bufferedBytes() {
      return have;
    },
  };
}
