/**
 * Bytes waiting to be taken, in one contiguous buffer: the decoder reads every field of what was
 * received in place (no field can straddle chunks) and a whole frame comes out as one view; a
 * proxy writes frames into one (reserve, then commit) and takes them out in runs to send.
 *
 * What a chunk costs is more than its bytes: a Buffer object (100-200 bytes of heap) that pins the
 * memory it views. A list of chunks would let a peer that sends one byte per message make the
 * bookkeeping outweigh the data a hundred times over; here each chunk is copied in and let go,
 * except when the queue is empty: then the chunk itself becomes the buffer, so a message that
 * holds whole frames is never copied.
 *
 * Bytes before the read position are never written again, so a view handed out stays valid. A
 * buffer without room is replaced by one that holds the unread bytes, the new chunk and a quarter
 * more: the bytes are copied a bounded number of times (time linear in them whatever the
 * chunking), and the buffer is never much larger than what it holds.
 */

/** The least room a new buffer gets: a run of tiny chunks costs one allocation per this much. */
const MIN_ROOM = 64 * 1024;
const EMPTY = Buffer.alloc(0);

export class ByteQueue {
  #buffer: Buffer = EMPTY;
  #start = 0;
  #end = 0;

  /** Bytes held and not taken. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** The buffer the held bytes sit in, from `start`: read in place, valid until the next push. */
  get buffer(): Buffer {
    return this.#buffer;
  }

  get start(): number {
    return this.#start;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.length === 0) {
      // Nothing is written into an adopted chunk: it has no room after its end.
      this.#buffer = chunk;
      this.#start = 0;
      this.#end = chunk.length;
      return;
    }
    const offset = this.reserve(chunk.length);
    this.#end = offset + chunk.copy(this.#buffer, offset);
  }

  /** Makes room for `n` bytes after those held; returns where in `buffer` they go. */
  reserve(n: number): number {
    if (this.#buffer.length - this.#end < n) {
      const held = this.length;
      const next = Buffer.allocUnsafe(held + n + Math.max(MIN_ROOM, held >> 2));
      this.#buffer.copy(next, 0, this.#start, this.#end);
      this.#buffer = next;
      this.#start = 0;
      this.#end = held;
    }
    return this.#end;
  }

  /** The bytes written into the room reserve() made end at `end`. */
  commit(end: number): void {
    this.#end = end;
  }

  /**
   * Takes the first `n` bytes held (all by default), as a view that nothing writes over. Once all
   * is taken the buffer is let go, so an idle connection holds none.
   */
  take(n = this.length): Buffer {
    const taken = this.#buffer.subarray(this.#start, this.#start + n);
    this.#start += n;
    if (this.#start === this.#end) {
      this.#buffer = EMPTY;
      this.#start = this.#end = 0;
    }
    return taken;
  }
}
