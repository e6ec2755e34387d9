import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkQueue, COALESCE_BELOW } from './chunk-queue.ts';

function queueOf(...chunks: number[][]): ChunkQueue {
  const queue = new ChunkQueue();
  for (const chunk of chunks) queue.push(Buffer.from(chunk));
  return queue;
}

describe('ChunkQueue', () => {
  it('reads a u32 that straddles chunks', () => {
    const queue = queueOf([0x12], [0x34, 0x56], [], [0x78, 0x9a]);
    assert.equal(queue.length, 5);
    assert.equal(queue.readUInt32(), 0x12345678);
    assert.equal(queue.length, 1);
    assert.equal(queue.readByte(), 0x9a);
    assert.equal(queue.length, 0);
  });

  it('reads a u32 over 2^31 as unsigned', () => {
    assert.equal(queueOf([0xff, 0xff], [0xff, 0xfe]).readUInt32(), 0xfffffffe);
  });

  it('peeks without consuming', () => {
    const queue = queueOf([1], [2, 3]);
    assert.equal(queue.peekByte(2), 3);
    assert.equal(queue.length, 3);
  });

  it('returns a view inside one chunk, a copy across chunks, and a copy when asked', () => {
    const first = Buffer.alloc(COALESCE_BELOW, 7);
    first.set([1, 2, 3, 4]);
    const queue = new ChunkQueue();
    queue.push(first);
    queue.push(Buffer.alloc(COALESCE_BELOW, 5));
    const view = queue.read(2, false);
    assert.ok(view.buffer === first.buffer, 'a read inside a large chunk is a view of it');
    const owned = queue.read(1, true);
    first[2] = 99;
    assert.deepEqual([...owned], [3]);
    const across = queue.read(COALESCE_BELOW, false);
    assert.equal(across[0], 4);
    assert.equal(across[COALESCE_BELOW - 1], 5);
    assert.ok(across.buffer !== first.buffer, 'a read across chunks is a copy');
    assert.deepEqual([...queue.read(0, false)], []);
  });

  it('copies small chunks into one entry, so a chunk costs its bytes, not an object each', () => {
    const queue = new ChunkQueue();
    const source = Buffer.from([1, 2, 3]);
    queue.push(source);
    source[0] = 9; // the queue holds a copy: what the caller does with its buffer is no concern
    for (let i = 0; i < 10_000; i++) queue.push(Buffer.from([i & 0xff]));
    assert.equal(queue.length, 10_003);
    // 10,003 bytes pushed in 10,001 chunks sit in one slab view; reading across them is a view.
    const all = queue.read(10_003, false);
    assert.deepEqual([...all.subarray(0, 4)], [1, 2, 3, 0]);
    assert.equal(all[10_002], 9_999 & 0xff);
  });

  it('captures the bytes consumed, as one view per chunk spanned', () => {
    const queue = new ChunkQueue();
    const big = Buffer.alloc(COALESCE_BELOW * 2, 1);
    queue.push(Buffer.from([0x41, 0x42]));
    queue.push(big);
    queue.readByte();
    queue.capture();
    queue.readByte();
    queue.read(COALESCE_BELOW, false);
    const captured = queue.take();
    assert.equal(captured.length, 2);
    assert.deepEqual(
      Buffer.concat(captured),
      Buffer.concat([Buffer.from([0x42]), big.subarray(0, COALESCE_BELOW)]),
    );
    assert.deepEqual(queue.take(), [], 'take() ends the capture');
  });

  it('stays correct through many tiny chunks (compaction)', () => {
    const queue = new ChunkQueue();
    for (let i = 0; i < 5000; i++) queue.push(Buffer.from([i & 0xff]));
    for (let i = 0; i < 4000; i++) assert.equal(queue.readByte(), i & 0xff);
    const rest = queue.read(1000, false);
    assert.equal(rest.length, 1000);
    assert.equal(rest[0], 4000 & 0xff);
    assert.equal(queue.length, 0);
  });
});
