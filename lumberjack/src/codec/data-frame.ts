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
  #pairsLeft: number;
  #key: string | undefined;

  constructor(seq: number, pairCount: number, maxFrameBytes: number) {
    if (DATA_HEADER_BYTES + pairCount * MIN_PAIR_BYTES > maxFrameBytes) {
      throw new LumberjackError(
        'ERR_LJ_FRAME_TOO_LARGE',
        `data frame seq ${seq}: ${pairCount} pairs cannot fit in maxFrameBytes (${maxFrameBytes})`,
      );
    }
    this.seq = seq;
    this.#pairsLeft = pairCount;
    this.#maxFrameBytes = maxFrameBytes;
  }

  get done(): boolean {
    return this.#pairsLeft === 0;
  }

  /**
   * Checks the next key or value length. `frameBytes` counts the frame so far including this
   * length field; the pairs still to come need at least their length fields too.
   */
  acceptLength(length: number, frameBytes: number): number {
    const valueField = this.#key === undefined ? 4 : 0;
    const laterFields = (this.#pairsLeft - 1) * MIN_PAIR_BYTES + valueField;
    if (frameBytes + length + laterFields > this.#maxFrameBytes) {
      throw new LumberjackError(
        'ERR_LJ_FRAME_TOO_LARGE',
        `data frame seq ${this.seq}: ${this.#key === undefined ? 'key' : 'value'} length ${length} takes the frame over maxFrameBytes (${this.#maxFrameBytes})`,
      );
    }
    return length;
  }

  acceptBytes(bytes: Buffer): void {
    if (!isUtf8(bytes)) {
      throw new LumberjackError(
        'ERR_LJ_INVALID_FRAME',
        `data frame seq ${this.seq}: a ${this.#key === undefined ? 'key' : 'value'} of ${bytes.length} bytes is not valid UTF-8`,
      );
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
