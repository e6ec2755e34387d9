/**
 * Where stamp mode writes re-encoded frames: one growing buffer that frames are written into in
 * place (a stamped J frame is its header and the spliced event, copied straight in), taken out in
 * runs that are sent or deflated as they are. A taken run is never written again, so it may be
 * handed to a socket or to zlib without a copy.
 */
const MIN_BYTES = 64 * 1024;

export class OutputBuffer {
  #buffer: Buffer | undefined;
  #start = 0;
  #end = 0;
  readonly #minBytes: number;

  constructor(minBytes = MIN_BYTES) {
    this.#minBytes = minBytes;
  }

  /** Bytes written and not taken yet. */
  get length(): number {
    return this.#end - this.#start;
  }

  /**
   * A buffer with room for `bytes` more at `offset`; write there, then commit() the new end. A
   * buffer too small is replaced by a larger one that the untaken bytes are copied into.
   */
  reserve(bytes: number): { buffer: Buffer; offset: number } {
    let buffer = this.#buffer;
    if (buffer === undefined || buffer.length - this.#end < bytes) {
      const pending = this.length;
      const next = Buffer.allocUnsafe(Math.max(this.#minBytes, 2 * pending + bytes));
      if (buffer !== undefined) buffer.copy(next, 0, this.#start, this.#end);
      buffer = this.#buffer = next;
      this.#start = 0;
      this.#end = pending;
    }
    return { buffer, offset: this.#end };
  }

  commit(end: number): void {
    this.#end = end;
  }

  /** Copies `bytes` in. */
  append(bytes: Buffer): void {
    const { buffer, offset } = this.reserve(bytes.length);
    this.#end = offset + bytes.copy(buffer, offset);
  }

  /**
   * Takes the first `length` untaken bytes (all of them by default). When everything is taken the
   * buffer is let go, so an idle tunnel holds none.
   */
  take(length = this.length): Buffer {
    const taken = this.#buffer!.subarray(this.#start, this.#start + length);
    this.#start += length;
    if (this.#start === this.#end) {
      this.#buffer = undefined;
      this.#start = this.#end = 0;
    }
    return taken;
  }
}
