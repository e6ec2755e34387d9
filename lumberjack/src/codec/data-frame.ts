/**
 * Assembles a v1 'D' frame pair by pair. A D frame has no total length on the wire, so its size is
 * bounded here as it grows: the pair count against what maxFrameBytes could hold, and every key or
 * value length against what is left of maxFrameBytes, before the decoder waits for those bytes.
 */
import { isUtf8 } from 'node:buffer';
import { LumberjackError } from './errors.ts';
import { DATA_HEADER_BYTES } from './frames.ts';

/** Each pair costs at least its two u32 lengths. */
const MIN_PAIR_BYTES = 8;

export class DataFrameBuilder {
  readonly seq: number;
  readonly event: Record<string, string> = {};
  readonly #maxFrameBytes: number;
  /** False for a frame reader: pairs are checked, not collected (LazyDataFrame reads them). */
  readonly #collect: boolean;
  #pairsLeft: number;
  #key: string | undefined;
  /** Whether the next bytes are a key (when not collecting, #key is not kept). */
  #expectKey = true;

  constructor(seq: number, pairCount: number, maxFrameBytes: number, collect = true) {
    if (DATA_HEADER_BYTES + pairCount * MIN_PAIR_BYTES > maxFrameBytes) {
      throw new LumberjackError(
        'ERR_LJ_FRAME_TOO_LARGE',
        `data frame seq ${seq}: ${pairCount} pairs cannot fit in maxFrameBytes (${maxFrameBytes})`,
      );
    }
    this.seq = seq;
    this.#pairsLeft = pairCount;
    this.#maxFrameBytes = maxFrameBytes;
    this.#collect = collect;
  }

  get done(): boolean {
    return this.#pairsLeft === 0;
  }

  /**
   * Checks the next key or value length. `frameBytes` counts the frame so far including this
   * length field; the pairs still to come need at least their length fields too.
   */
  acceptLength(length: number, frameBytes: number): number {
    const valueField = this.#expectKey ? 4 : 0;
    const laterFields = (this.#pairsLeft - 1) * MIN_PAIR_BYTES + valueField;
    if (frameBytes + length + laterFields > this.#maxFrameBytes) {
      throw new LumberjackError(
        'ERR_LJ_FRAME_TOO_LARGE',
        `data frame seq ${this.seq}: ${this.#expectKey ? 'key' : 'value'} length ${length} takes the frame over maxFrameBytes (${this.#maxFrameBytes})`,
      );
    }
    return length;
  }

  acceptBytes(bytes: Buffer): void {
    if (!isUtf8(bytes)) {
      throw new LumberjackError(
        'ERR_LJ_INVALID_FRAME',
        `data frame seq ${this.seq}: a ${this.#expectKey ? 'key' : 'value'} of ${bytes.length} bytes is not valid UTF-8`,
      );
    }
    this.#expectKey = !this.#expectKey;
    if (!this.#collect) {
      if (this.#expectKey) this.#pairsLeft--;
      return;
    }
    const text = bytes.toString('utf8');
    if (this.#key === undefined) {
      this.#key = text;
      return;
    }
    if (this.#key === '__proto__') {
      // A plain assignment would set the prototype instead of storing the pair.
      Object.defineProperty(this.event, this.#key, {
        value: text,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      this.event[this.#key] = text;
    }
    this.#key = undefined;
    this.#pairsLeft--;
  }
}

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
  readonly #raw: Buffer[];
  #bytes: Buffer | undefined;
  #event: Record<string, string> | undefined;

  constructor(seq: number, raw: Buffer[], compressed: boolean) {
    this.seq = seq;
    this.#raw = raw;
    if (compressed) this.compressed = true;
  }

  /** The whole frame, header included. */
  get bytes(): Buffer {
    this.#bytes ??= this.#raw.length === 1 ? this.#raw[0]! : Buffer.concat(this.#raw);
    return this.#bytes;
  }

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
