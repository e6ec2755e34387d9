/**
 * Reading a v1 'D' frame on its bytes: the decoder has checked it (lengths, UTF-8) as it arrived.
 */
import { DATA_HEADER_BYTES } from './frames.ts';

/**
 * Calls `visit` with the offsets of each key and value of a whole D frame, in wire order
 * (duplicates included). The frame was validated by the decoder that produced it.
 */
export function forEachDataPair(
  frame: Buffer,
  visit: (keyStart: number, keyEnd: number, valueStart: number, valueEnd: number) => void,
): void {
  const pairs = frame.readUInt32BE(6);
  let at = DATA_HEADER_BYTES;
  for (let i = 0; i < pairs; i++) {
    const keyEnd = at + 4 + frame.readUInt32BE(at);
    const valueEnd = keyEnd + 4 + frame.readUInt32BE(keyEnd);
    visit(at + 4, keyEnd, keyEnd + 4, valueEnd);
    at = valueEnd;
  }
}

/**
 * A D frame from a frame reader: its bytes, and its event built only when read. Building an
 * object of many pairs costs far more than checking them, and a proxy that rewrites the frame
 * works on the bytes (forEachDataPair).
 */
export class LazyDataFrame {
  readonly type = 'data' as const;
  readonly version = 1 as const;
  readonly seq: number;
  readonly compressed?: true;
  /** The whole frame, header included. */
  readonly bytes: Buffer;
  #event: Record<string, string> | undefined;

  constructor(seq: number, bytes: Buffer, compressed: boolean) {
    this.seq = seq;
    this.bytes = bytes;
    if (compressed) this.compressed = true;
  }

  /** The pairs as an object; a duplicated key keeps its last value. */
  get event(): Record<string, string> {
    if (this.#event === undefined) {
      const bytes = this.bytes;
      const event: Record<string, string> = {};
      forEachDataPair(bytes, (k0, k1, v0, v1) => {
        // defineProperty: a plain assignment of '__proto__' would set the prototype.
        Object.defineProperty(event, bytes.toString('utf8', k0, k1), {
          value: bytes.toString('utf8', v0, v1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      });
      this.#event = event;
    }
    return this.#event;
  }
}
