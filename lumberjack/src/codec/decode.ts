/**
 * The incremental Lumberjack decoder: a state machine over a ChunkQueue. Each state waits for the
 * fixed number of bytes it needs (a u32, or a payload whose length was already checked against
 * its limit), so no chunking of the input changes the result and nothing on the wire can make it
 * allocate more than the limits allow.
 */
import { ChunkQueue } from './chunk-queue.ts';
import { DataFrameBuilder } from './data-frame.ts';
import { LumberjackError } from './errors.ts';
import { checkFrameType, describeFrameType, parseVersion } from './frame-header.ts';
import { TYPE_ACK, TYPE_DATA, TYPE_JSON, TYPE_WINDOW, type Frame, type Version } from './frames.ts';
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

  constructor(limits: DecoderLimits, inner: boolean) {
    this.#limits = limits;
    this.#inner = inner;
  }

  get bufferedBytes(): number {
    return this.#queue.length + this.#consumed;
  }

  push(chunk: Uint8Array): Frame[] {
    if (this.#error !== undefined) throw this.#error;
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError(`push() takes a Uint8Array, got ${typeof chunk}`);
    }
    this.#queue.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
    );
    const out: Frame[] = [];
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

  #run(out: Frame[]): void {
    const queue = this.#queue;
    const limits = this.#limits;
    for (;;) {
      switch (this.#state) {
        case HEADER: {
          if (queue.length === 0) return;
          const version = parseVersion(queue.peekByte(0));
          if (queue.length < 2) return;
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
          out.push(this.#mark({ type: 'window', version: this.#version, size }));
          this.#reset();
          break;
        }
        case ACK_SEQ: {
          if (queue.length < 4) return;
          const seq = queue.readUInt32();
          out.push(this.#mark({ type: 'ack', version: this.#version, seq }));
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
          out.push(this.#jsonFrame(queue.read(this.#length, !this.#inner)));
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
          const content = inflateCompressed(
            queue.read(this.#length, false),
            limits.maxDecompressedBytes,
          );
          const inner = new FrameDecoder(limits, true);
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
          this.#data = new DataFrameBuilder(seq, queue.readUInt32(), limits.maxFrameBytes);
          this.#consumed += 8;
          this.#state = DATA_LENGTH;
          break;
        }
        case DATA_LENGTH: {
          const data = this.#data!;
          if (data.done) {
            out.push(this.#mark({ type: 'data', version: 1, seq: data.seq, event: data.event }));
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
      return this.#mark({ type: 'json', version: 2, seq, payload, event });
    }
    return new LazyJsonFrame(seq, payload, this.#inner);
  }

  #mark(frame: Frame): Frame {
    if (this.#inner) frame.compressed = true;
    return frame;
  }

  #reset(): void {
    this.#state = HEADER;
    this.#consumed = 0;
    this.#data = undefined;
  }
}

export function createDecoder(options?: DecoderOptions): Decoder {
  return new FrameDecoder(resolveLimits(options), false);
}
