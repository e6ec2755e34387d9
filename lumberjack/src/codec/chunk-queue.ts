/**
 * The bytes received but not yet decoded, kept as the list of chunks they arrived in (like ws's
 * receiver): reading copies only the bytes of a field that straddles chunks, so the total work is
 * linear in the bytes received whatever the chunking.
 *
 * What a chunk costs is more than its bytes: each entry is a Buffer object (about 100-200 bytes of
 * heap) that also pins the memory it views. A peer that sends one byte per message would make the
 * bookkeeping outweigh the data a hundred times over, so small chunks are copied into a shared
 * slab and extend the entry before them instead of adding one: every entry then carries at least
 * COALESCE_BELOW bytes, or is the one slab being filled, and the overhead stays a few percent of
 * the bytes held whatever the chunking.
 */

/** Chunks smaller than this are copied into a slab rather than kept as entries of their own. */
export const COALESCE_BELOW = 4096;
const SLAB_BYTES = 64 * 1024;

export class ChunkQueue {
  #chunks: Buffer[] = [];
  /** The slab small chunks are copied into, and how much of it is written. */
  #slab: Buffer | undefined;
  #slabUsed = 0;
  /** True when the last entry views #slab and ends at #slabUsed, so it can grow in place. */
  #tailInSlab = false;
  /**
   * While capturing, the views of every byte consumed since capture() (one per chunk touched),
   * and where in the current head chunk the capture resumes.
   */
  #captured: Buffer[] | undefined;
  #captureFrom = 0;
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
    this.#length += chunk.length;
    if (chunk.length >= COALESCE_BELOW) {
      this.#chunks.push(chunk);
      this.#tailInSlab = false;
      return;
    }
    let slab = this.#slab;
    if (slab === undefined || slab.length - this.#slabUsed < chunk.length) {
      slab = this.#slab = Buffer.allocUnsafe(SLAB_BYTES);
      this.#slabUsed = 0;
      this.#tailInSlab = false;
    }
    const start = this.#slabUsed;
    this.#slabUsed += chunk.copy(slab, start);
    const last = this.#chunks.length - 1;
    if (this.#tailInSlab) {
      // Grow the tail entry: a new view replaces the old one (which becomes garbage), so the
      // entry count does not grow. A head entry keeps its start, so #offset stays valid.
      const tail = this.#chunks[last]!;
      this.#chunks[last] = slab.subarray(tail.byteOffset - slab.byteOffset, this.#slabUsed);
    } else {
      this.#chunks.push(slab.subarray(start, this.#slabUsed));
      this.#tailInSlab = true;
    }
  }

  /**
   * Starts recording the bytes consumed from here on; take() returns them. The views share the
   * queue's memory (copies only where a small chunk was coalesced), one per chunk they span.
   */
  capture(): void {
    this.#captured = [];
    this.#captureFrom = this.#offset;
  }

  /** The bytes consumed since capture(), in order; stops capturing. */
  take(): Buffer[] {
    const captured = this.#captured;
    if (captured === undefined) return [];
    if (this.#offset > this.#captureFrom) {
      appendView(captured, this.#chunks[this.#head]!.subarray(this.#captureFrom, this.#offset));
    }
    this.#captured = undefined;
    return captured;
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
    if (this.#captured !== undefined) {
      appendView(this.#captured, chunk.subarray(this.#captureFrom));
      this.#captureFrom = 0;
    }
    this.#offset = 0;
    this.#head++;
    if (this.#length === 0) {
      this.#chunks = [];
      this.#head = 0;
      this.#tailInSlab = false;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#chunks.length) {
      // Compacting only once half the array is dead keeps this amortised O(1) per chunk.
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }
}

/**
 * Adds a view to a capture, merged with the last one when it continues it in the same memory: a
 * frame read field by field from one slab is then one view, not one per field (a D frame of
 * many pairs fed in small pieces would otherwise cost a view per key and value).
 */
export function appendView(views: Buffer[], view: Buffer): void {
  if (views.length === 0) {
    views.push(view);
    return;
  }
  const last = views[views.length - 1]!;
  if (last.buffer === view.buffer && last.byteOffset + last.length === view.byteOffset) {
    views[views.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + view.length);
    return;
  }
  views.push(view);
}
