/**
 * The bytes received but not yet decoded, kept as the list of chunks they arrived in (like ws's
 * receiver): pushing never copies, and reading copies only the bytes of a field that straddles
 * chunks, so the total work is linear in the bytes received whatever the chunking.
 */

export class ChunkQueue {
  #chunks: Buffer[] = [];
  /** Index of the first live chunk; consumed chunks are dropped in batches, not one shift each. */
  #head = 0;
  /** Read position inside the first live chunk. */
  #offset = 0;
  #length = 0;

  /** Bytes buffered. */
  get length(): number {
    return this.#length;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /** The byte at `index` from the read position, without consuming it. Needs length > index. */
  peekByte(index: number): number {
    let i = this.#head;
    let at = this.#offset + index;
    for (;;) {
      const chunk = this.#chunks[i++]!;
      if (at < chunk.length) return chunk[at]!;
      at -= chunk.length;
    }
  }

  /** Consumes a big-endian u32. Needs length >= 4. */
  readUInt32(): number {
    const chunk = this.#chunks[this.#head]!;
    const offset = this.#offset;
    if (chunk.length - offset >= 4) {
      const value = chunk.readUInt32BE(offset);
      this.#advance(chunk, offset + 4, 4);
      return value;
    }
    // Rare: the field straddles chunks. Four single-byte reads cost nothing here.
    const value = this.#readByte() * 0x1000000 + (this.#readByte() << 16) + (this.#readByte() << 8);
    return value + this.#readByte();
  }

  /** Consumes one byte. Needs length >= 1. */
  readByte(): number {
    return this.#readByte();
  }

  /**
   * Consumes `n` bytes. With `owned` false the result may be a view of a pushed chunk (valid
   * while the caller of push() leaves that chunk alone); with `owned` true it is always a fresh
   * copy. Needs length >= n.
   */
  read(n: number, owned: boolean): Buffer {
    // Empty keys, values and payloads are legal on the wire, and the queue may hold nothing.
    if (n === 0) return Buffer.alloc(0);
    const chunk = this.#chunks[this.#head]!;
    const offset = this.#offset;
    if (chunk.length - offset >= n) {
      const view = chunk.subarray(offset, offset + n);
      this.#advance(chunk, offset + n, n);
      return owned ? Buffer.from(view) : view;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const current = this.#chunks[this.#head]!;
      const take = Math.min(current.length - this.#offset, n - filled);
      current.copy(out, filled, this.#offset, this.#offset + take);
      filled += take;
      this.#advance(current, this.#offset + take, take);
    }
    return out;
  }

  #readByte(): number {
    const chunk = this.#chunks[this.#head]!;
    const byte = chunk[this.#offset]!;
    this.#advance(chunk, this.#offset + 1, 1);
    return byte;
  }

  #advance(chunk: Buffer, newOffset: number, consumed: number): void {
    this.#length -= consumed;
    if (newOffset < chunk.length) {
      this.#offset = newOffset;
      return;
    }
    this.#offset = 0;
    this.#head++;
    if (this.#length === 0) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#chunks.length) {
      // Compacting only once half the array is dead keeps this amortised O(1) per chunk.
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }
}
