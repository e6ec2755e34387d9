/**
 * The incremental Lumberjack decoder: a state machine over a ChunkQueue. Each state waits for the
 * fixed number of bytes it needs (a u32, or a payload whose length was already checked against
 * its limit), so no chunking of the input changes the result and nothing on the wire can make it
 * allocate more than the limits allow.
 */
import { ChunkQueue } from './chunk-queue.ts';
import { DataFrameBuilder, LazyDataFrame } from './data-frame.ts';
import { LumberjackError } from './errors.ts';
import { checkFrameType, describeFrameType, parseVersion } from './frame-header.ts';
import {
  TYPE_ACK,
  TYPE_DATA,
  TYPE_JSON,
  TYPE_WINDOW,
  type Frame,
  type RawFrame,
  type Version,
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

/** How a decoder treats what it reads: a whole stream, a C frame's content, or raw frames. */
const STREAM = 0;
const INNER = 1;
const RAW = 2;
/** Flags: INNER for a C frame's content, RAW for frames with their bytes; both for inflateFrames. */
type Mode = number;

// States; each names what the decoder waits for next.
const HEADER = 0;
const WINDOW_COUNT = 1;
const ACK_SEQ = 2;
const JSON_HEAD = 3;
const JSON_BODY = 4;
const COMPRESSED_LENGTH = 5;
const COMPRESSED_BODY = 6;
const DATA_HEAD = 7;
const DATA_LENGTH = 8;
const DATA_BYTES = 9;

class FrameDecoder implements Decoder {
  readonly #limits: DecoderLimits;
  readonly #queue = new ChunkQueue();
  /** True inside a C frame: the bytes are ours (views are safe) and another C is an error. */
  readonly #inner: boolean;
  /** True for a frame reader: frames come out with their bytes, and C frames whole. */
  readonly #raw: boolean;
  /** Set by the first failure; a decoder that threw once has lost its place in the stream. */
  #error: Error | undefined;
  #state = HEADER;
  #version: Version = 2;
  #type = 0;
  #seq = 0;
  /** Length of the payload the current state waits for. */
  #length = 0;
  /** Bytes of the current frame already taken out of the queue. */
  #consumed = 0;
  #data: DataFrameBuilder | undefined;

  constructor(limits: DecoderLimits, mode: Mode) {
    this.#limits = limits;
    this.#inner = (mode & INNER) !== 0;
    this.#raw = (mode & RAW) !== 0;
  }

  get bufferedBytes(): number {
    return this.#queue.length + this.#consumed;
  }

  push(chunk: Uint8Array): Frame[] {
    return this.#push(chunk) as Frame[];
  }

  /** For the frame reader: queue bytes without decoding. */
  enqueue(chunk: Uint8Array): void {
    if (this.#error !== undefined) throw this.#error;
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError(`push() takes a Uint8Array, got ${typeof chunk}`);
    }
    this.#queue.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
    );
  }

  /** For the frame reader: decode up to one frame (raw mode returns after each frame). */
  nextRaw(): RawFrame | undefined {
    return this.#decode()[0] as RawFrame | undefined;
  }

  #push(chunk: Uint8Array): (Frame | RawFrame)[] {
    this.enqueue(chunk);
    return this.#decode();
  }

  #decode(): (Frame | RawFrame)[] {
    if (this.#error !== undefined) throw this.#error;
    const out: (Frame | RawFrame)[] = [];
    try {
      this.#run(out);
    } catch (error) {
      // Everything thrown in here is an Error; the wrap only satisfies the type.
      this.#error = error instanceof Error ? error : new Error(String(error));
      throw this.#error;
    }
    return out;
  }

  end(): void {
    if (this.#error !== undefined) throw this.#error;
    if (this.bufferedBytes === 0) return;
    this.#error = new LumberjackError(
      'ERR_LJ_TRUNCATED',
      `stream ended inside ${this.partialDescription} (${this.bufferedBytes} bytes buffered)`,
    );
    throw this.#error;
  }

  /** Describes where the decoder stopped, for the C frame whose content ends mid-frame. */
  get partialDescription(): string {
    return this.#state === HEADER ? 'a frame header' : describeFrameType(this.#type);
  }

  #run(out: (Frame | RawFrame)[]): void {
    const queue = this.#queue;
    const limits = this.#limits;
    for (;;) {
      // A frame reader returns one frame per call (see FrameReader.push).
      if (this.#raw && out.length > 0) return;
      switch (this.#state) {
        case HEADER: {
          if (queue.length === 0) return;
          const version = parseVersion(queue.peekByte(0));
          if (queue.length < 2) return;
          if (this.#raw) queue.capture();
          queue.readByte();
          this.#version = version;
          this.#type = queue.readByte();
          this.#consumed = 2;
          this.#state = this.#stateForType(this.#type);
          break;
        }
        case WINDOW_COUNT: {
          if (queue.length < 4) return;
          const size = queue.readUInt32();
          if (size > limits.maxWindowSize) {
            throw new LumberjackError(
              'ERR_LJ_WINDOW_TOO_LARGE',
              `window size ${size} is over maxWindowSize (${limits.maxWindowSize})`,
            );
          }
          out.push(this.#emit({ type: 'window', version: this.#version, size }));
          this.#reset();
          break;
        }
        case ACK_SEQ: {
          if (queue.length < 4) return;
          const seq = queue.readUInt32();
          out.push(this.#emit({ type: 'ack', version: this.#version, seq }));
          this.#reset();
          break;
        }
        case JSON_HEAD: {
          if (queue.length < 8) return;
          this.#seq = queue.readUInt32();
          this.#length = this.#checkLength(queue.readUInt32(), `JSON frame seq ${this.#seq}`);
          this.#consumed += 8;
          this.#state = JSON_BODY;
          break;
        }
        case JSON_BODY: {
          if (queue.length < this.#length) return;
          // Stream payloads are copied (the caller may reuse what it pushed); a C frame's content
          // and a frame reader's frames are views, which their callers keep as they are.
          const owned = !this.#inner && !this.#raw;
          out.push(this.#emit(this.#jsonFrame(queue.read(this.#length, owned))));
          this.#reset();
          break;
        }
        case COMPRESSED_LENGTH: {
          if (queue.length < 4) return;
          this.#length = this.#checkLength(queue.readUInt32(), 'compressed frame');
          this.#consumed += 4;
          this.#state = COMPRESSED_BODY;
          break;
        }
        case COMPRESSED_BODY: {
          if (queue.length < this.#length) return;
          if (this.#raw) {
            const payload = queue.read(this.#length, false);
            out.push(this.#emit({ type: 'compressed', version: this.#version, payload }));
            this.#reset();
            break;
          }
          const content = inflateCompressed(
            queue.read(this.#length, false),
            limits.maxDecompressedBytes,
          );
          const inner = new FrameDecoder(limits, INNER);
          for (const frame of inner.push(content)) out.push(frame);
          if (inner.bufferedBytes > 0) {
            throw new LumberjackError(
              'ERR_LJ_BAD_COMPRESSION',
              `content of a compressed frame (${content.length} bytes) ends inside ${inner.partialDescription}`,
            );
          }
          this.#reset();
          break;
        }
        case DATA_HEAD: {
          if (queue.length < 8) return;
          const seq = queue.readUInt32();
          const pairs = queue.readUInt32();
          this.#data = new DataFrameBuilder(seq, pairs, limits.maxFrameBytes, !this.#raw);
          this.#consumed += 8;
          this.#state = DATA_LENGTH;
          break;
        }
        case DATA_LENGTH: {
          const data = this.#data!;
          if (data.done) {
            if (this.#raw) {
              const raw = this.#queue.take();
              out.push({ frame: new LazyDataFrame(data.seq, raw, this.#inner), raw });
            } else {
              out.push(this.#emit({ type: 'data', version: 1, seq: data.seq, event: data.event }));
            }
            this.#reset();
            break;
          }
          if (queue.length < 4) return;
          this.#length = data.acceptLength(queue.readUInt32(), this.#consumed + 4);
          this.#consumed += 4;
          this.#state = DATA_BYTES;
          break;
        }
        case DATA_BYTES: {
          if (queue.length < this.#length) return;
          this.#data!.acceptBytes(queue.read(this.#length, false));
          this.#consumed += this.#length;
          this.#state = DATA_LENGTH;
          break;
        }
        default:
          throw new Error(`unreachable decoder state ${this.#state}`);
      }
    }
  }

  #stateForType(type: number): number {
    checkFrameType(type, this.#version, this.#inner);
    switch (type) {
      case TYPE_WINDOW:
        return WINDOW_COUNT;
      case TYPE_ACK:
        return ACK_SEQ;
      case TYPE_JSON:
        return JSON_HEAD;
      case TYPE_DATA:
        return DATA_HEAD;
      default:
        return COMPRESSED_LENGTH;
    }
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

  #jsonFrame(payload: Buffer): Frame {
    const seq = this.#seq;
    if (this.#limits.parseJson) {
      const event = parseJsonEvent(payload, seq);
      return { type: 'json', version: 2, seq, payload, event };
    }
    return new LazyJsonFrame(seq, payload, this.#inner);
  }

  /** The frame reader wants one frame per call; the decoders want all the chunk completes. */
  #emit(frame: Frame | RawFrame['frame']): Frame | RawFrame {
    if (this.#inner) (frame as Frame).compressed = true;
    if (this.#raw) return { frame: frame as RawFrame['frame'], raw: this.#queue.take() };
    return frame as Frame;
  }

  #reset(): void {
    this.#state = HEADER;
    this.#consumed = 0;
    this.#data = undefined;
  }
}

export function createDecoder(options?: DecoderOptions): Decoder {
  return new FrameDecoder(resolveLimits(options), STREAM);
}

export function createFrameReader(options?: Omit<DecoderOptions, 'parseJson'>): FrameReader {
  return rawReader(options, RAW);
}

/** A frame reader over a C frame's content (inflateFrames): no C frames inside. */
export function createContentFrameReader(options?: Omit<DecoderOptions, 'parseJson'>) {
  return rawReader(options, RAW | INNER);
}

function rawReader(
  options: Omit<DecoderOptions, 'parseJson'> | undefined,
  mode: Mode,
): FrameReader {
  const decoder = new FrameDecoder(resolveLimits({ ...options, parseJson: false }), mode);
  return {
    push: (chunk) => decoder.enqueue(chunk),
    next: () => decoder.nextRaw(),
    get bufferedBytes() {
      return decoder.bufferedBytes;
    },
    end: () => decoder.end(),
  };
}
