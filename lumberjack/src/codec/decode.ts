/**
 * The incremental Lumberjack decoder. One reader cuts the stream into top-level frames, each with
 * the bytes it came in; the stream decoder is that reader with C frames inflated and their content
 * read the same way. Every length is checked against its limit as soon as its field has arrived,
 * before the reader waits for the bytes it announces, so nothing on the wire can make it hold more
 * than the limits allow, and no chunking of the input changes the result.
 */
import { isUtf8 } from 'node:buffer';
import { ByteQueue } from './byte-queue.ts';
import { LazyDataFrame } from './data-frame.ts';
import { LumberjackError } from './errors.ts';
import { checkFrameType, describeFrameType, parseVersion } from './frame-header.ts';
import {
  DATA_HEADER_BYTES,
  JSON_HEADER_BYTES,
  TYPE_ACK,
  TYPE_COMPRESSED,
  TYPE_JSON,
  TYPE_WINDOW,
  WINDOW_FRAME_BYTES,
  type ContentFrame,
  type Frame,
  type RawFrame,
} from './frames.ts';
import { inflateCompressed } from './inflate.ts';
import { LazyJsonFrame, parseJsonEvent } from './json-event.ts';
import { resolveLimits, type DecoderLimits, type DecoderOptions } from './limits.ts';

export interface Decoder {
  /**
   * Feeds bytes in any chunking and returns every frame they complete, in order (the frames of a
   * C frame come in place of the C frame, marked `compressed: true`). Throws LumberjackError;
   * after a throw the decoder is dead and every further call throws the same error. The frames
   * completed earlier in the chunk that failed are not returned: the stream is broken anyway.
   */
  push(chunk: Uint8Array): Frame[];
  /** Bytes held for the frame being decoded (0 between frames). */
  readonly bufferedBytes: number;
  /** Throws ERR_LJ_TRUNCATED when the stream stops inside a frame. */
  end(): void;
}

/**
 * Cuts a stream into its top-level frames, each with the exact bytes it came in, for a proxy that
 * must forward or rewrite frames without re-encoding what it does not change. Same validation and
 * limits as the decoder, in time linear in the bytes whatever the chunking; C frames are yielded
 * whole and not inflated (see inflateFrames), and J payloads are not parsed.
 */
export interface FrameReader {
  /**
   * Queues bytes, in any chunking. Nothing is decoded until next() asks, so a caller that stops
   * asking (a pause, a drain) holds only bytes, never a list of frames one message could make
   * millions of.
   */
  push(chunk: Uint8Array): void;
  /** The next complete top-level frame, or undefined until more bytes arrive. Throws LumberjackError. */
  next(): RawFrame | undefined;
  /** Bytes pushed and not yet returned as frames. */
  readonly bufferedBytes: number;
  /** Throws ERR_LJ_TRUNCATED when the stream stops inside a frame. */
  end(): void;
}

export class Reader implements FrameReader {
  readonly #limits: DecoderLimits;
  /** True inside a C frame: frames are marked `compressed`, and another C is an error. */
  readonly #inner: boolean;
  readonly #queue = new ByteQueue();
  /** Set by the first failure; a reader that threw once has lost its place in the stream. */
  #error: Error | undefined;
  /** A D frame has no total length: how much of it was checked, and its keys and values left. */
  #dataChecked = 0;
  #fieldsLeft = 0;

  constructor(limits: DecoderLimits, inner: boolean) {
    this.#limits = limits;
    this.#inner = inner;
  }

  get bufferedBytes(): number {
    return this.#queue.length;
  }

  push(chunk: Uint8Array): void {
    if (this.#error !== undefined) throw this.#error;
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError(`push() takes a Uint8Array, got ${typeof chunk}`);
    }
    this.#queue.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
    );
  }

  next(): RawFrame | undefined {
    return this.latch(() => this.#read());
  }

  end(): void {
    this.latch(() => {
      if (this.bufferedBytes === 0) return;
      throw new LumberjackError(
        'ERR_LJ_TRUNCATED',
        `stream ended inside ${this.partialDescription} (${this.bufferedBytes} bytes buffered)`,
      );
    });
  }

  /**
   * Runs `work` (reading this reader, or what a stream decoder does with its frames); what it
   * throws is thrown again by every later call, since a stream that failed once has lost its place.
   */
  latch<T>(work: () => T): T {
    if (this.#error !== undefined) throw this.#error;
    try {
      return work();
    } catch (error) {
      this.#error = error as Error;
      throw error;
    }
  }

  /** Describes where the reader stopped, for the C frame whose content ends mid-frame. */
  get partialDescription(): string {
    const queue = this.#queue;
    return queue.length < 2 ? 'a frame header' : describeFrameType(queue.buffer[queue.start + 1]!);
  }

  /**
   * Reads the frame at the front from its first byte on each call: only its header is read again
   * while its payload arrives, and a D frame's pairs are checked once each (#dataChecked).
   */
  #read(): RawFrame | undefined {
    const queue = this.#queue;
    const bytes = queue.buffer;
    const at = queue.start;
    const held = queue.length;
    // The version is checked on the first byte alone, so garbage fails at once.
    if (held === 0) return undefined;
    const version = parseVersion(bytes[at]!);
    if (held < 2) return undefined;
    const type = bytes[at + 1]!;
    checkFrameType(type, version, this.#inner);
    // Every frame has at least a u32 after its type byte.
    if (held < WINDOW_FRAME_BYTES) return undefined;
    const field = bytes.readUInt32BE(at + 2);
    switch (type) {
      case TYPE_WINDOW: {
        const max = this.#limits.maxWindowSize;
        if (field > max) {
          throw new LumberjackError(
            'ERR_LJ_WINDOW_TOO_LARGE',
            `window size ${field} is over maxWindowSize (${max})`,
          );
        }
        return this.#take(WINDOW_FRAME_BYTES, this.#mark({ type: 'window', version, size: field }));
      }
      case TYPE_ACK:
        return this.#take(WINDOW_FRAME_BYTES, this.#mark({ type: 'ack', version, seq: field }));
      case TYPE_COMPRESSED: {
        const end = WINDOW_FRAME_BYTES + this.#checkLength(field, 'compressed frame');
        if (held < end) return undefined;
        const payload = bytes.subarray(at + WINDOW_FRAME_BYTES, at + end);
        return this.#take(end, { type: 'compressed', version, payload });
      }
      case TYPE_JSON: {
        if (held < JSON_HEADER_BYTES) return undefined;
        const length = this.#checkLength(bytes.readUInt32BE(at + 6), `JSON frame seq ${field}`);
        if (held < JSON_HEADER_BYTES + length) return undefined;
        const payload = bytes.subarray(at + JSON_HEADER_BYTES, at + JSON_HEADER_BYTES + length);
        return this.#take(
          JSON_HEADER_BYTES + length,
          new LazyJsonFrame(field, payload, this.#inner),
        );
      }
      default:
        return this.#readData(field, bytes, at, held);
    }
  }

  /**
   * A D frame is bounded as it grows: its pair count against what maxFrameBytes could hold, and
   * each key or value length against what is left of maxFrameBytes once the length fields still
   * to come are counted, before the reader waits for those bytes.
   */
  #readData(seq: number, bytes: Buffer, at: number, held: number): RawFrame | undefined {
    if (held < DATA_HEADER_BYTES) return undefined;
    const max = this.#limits.maxFrameBytes;
    if (this.#dataChecked === 0) {
      const pairs = bytes.readUInt32BE(at + 6);
      if (DATA_HEADER_BYTES + pairs * 8 > max) {
        throw new LumberjackError(
          'ERR_LJ_FRAME_TOO_LARGE',
          `data frame seq ${seq}: ${pairs} pairs cannot fit in maxFrameBytes (${max})`,
        );
      }
      this.#dataChecked = DATA_HEADER_BYTES;
      this.#fieldsLeft = pairs * 2;
    }
    for (; this.#fieldsLeft > 0; this.#fieldsLeft--) {
      const start = this.#dataChecked + 4;
      if (held < start) return undefined;
      const length = bytes.readUInt32BE(at + start - 4);
      const what = this.#fieldsLeft % 2 === 0 ? 'key' : 'value';
      if (start + length + (this.#fieldsLeft - 1) * 4 > max) {
        throw new LumberjackError(
          'ERR_LJ_FRAME_TOO_LARGE',
          `data frame seq ${seq}: ${what} length ${length} takes the frame over maxFrameBytes (${max})`,
        );
      }
      if (held < start + length) return undefined;
      if (!isUtf8(bytes.subarray(at + start, at + start + length))) {
        throw new LumberjackError(
          'ERR_LJ_INVALID_FRAME',
          `data frame seq ${seq}: a ${what} of ${length} bytes is not valid UTF-8`,
        );
      }
      this.#dataChecked = start + length;
    }
    const end = this.#dataChecked;
    this.#dataChecked = 0;
    const raw = this.#queue.take(end);
    return { frame: new LazyDataFrame(seq, raw, this.#inner), raw };
  }

  #checkLength(length: number, what: string): number {
    if (length > this.#limits.maxFrameBytes) {
      throw new LumberjackError(
        'ERR_LJ_FRAME_TOO_LARGE',
        `${what}: length ${length} is over maxFrameBytes (${this.#limits.maxFrameBytes})`,
      );
    }
    return length;
  }

  #mark<F extends Frame>(frame: F): F {
    if (this.#inner) frame.compressed = true;
    return frame;
  }

  #take(length: number, frame: RawFrame['frame']): RawFrame {
    return { frame, raw: this.#queue.take(length) };
  }
}

/** The content of a C frame stops inside a frame, where `reader` (its reader) stopped. */
export function endsInside(contentBytes: number, reader: Reader): LumberjackError {
  return new LumberjackError(
    'ERR_LJ_BAD_COMPRESSION',
    `content of a compressed frame (${contentBytes} bytes) ends inside ${reader.partialDescription}`,
  );
}

/** A stream decoder's frame: C frames opened, J payloads copied (the caller may reuse its chunks). */
function decoded(frame: ContentFrame['frame'], parse: boolean): Frame {
  const marked = frame.compressed ? { compressed: true as const } : {};
  switch (frame.type) {
    case 'json': {
      const payload = frame.compressed ? frame.payload : Buffer.from(frame.payload);
      if (!parse) return new LazyJsonFrame(frame.seq, payload, frame.compressed === true);
      const event = parseJsonEvent(payload, frame.seq);
      return { type: 'json', version: 2, seq: frame.seq, payload, event, ...marked };
    }
    case 'data':
      return { type: 'data', version: 1, seq: frame.seq, event: frame.event, ...marked };
    case 'window':
    case 'ack':
      return frame;
  }
}

export function createDecoder(options?: DecoderOptions): Decoder {
  const limits = resolveLimits(options);
  const reader = new Reader(limits, false);

  function decode(chunk: Uint8Array): Frame[] {
    reader.push(chunk);
    const out: Frame[] = [];
    for (let next = reader.next(); next !== undefined; next = reader.next()) {
      if (next.frame.type !== 'compressed') {
        out.push(decoded(next.frame, limits.parseJson));
        continue;
      }
      const content = inflateCompressed(next.frame.payload, limits.maxDecompressedBytes);
      const inner = new Reader(limits, true);
      inner.push(content);
      // The content reader refuses C frames (ERR_LJ_NESTED_COMPRESSION), hence ContentFrame.
      for (let frame = inner.next(); frame !== undefined; frame = inner.next()) {
        out.push(decoded((frame as ContentFrame).frame, limits.parseJson));
      }
      if (inner.bufferedBytes > 0) throw endsInside(content.length, inner);
    }
    return out;
  }

  return {
    push: (chunk) => reader.latch(() => decode(chunk)),
    get bufferedBytes() {
      return reader.bufferedBytes;
    },
    end: () => reader.end(),
  };
}

export function createFrameReader(options?: Omit<DecoderOptions, 'parseJson'>): FrameReader {
  return new Reader(resolveLimits(options), false);
}
