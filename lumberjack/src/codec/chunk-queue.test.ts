import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkQueue } from './chunk-queue.ts';

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
    const first = Buffer.from([1, 2, 3, 4]);
    const queue = new ChunkQueue();
    queue.push(first);
    queue.push(Buffer.from([5, 6]));
    const view = queue.read(2, false);
    assert.equal(view.buffer, first.buffer);
    const owned = queue.read(1, true);
    first[2] = 99;
    assert.deepEqual([...owned], [3]);
    assert.deepEqual([...queue.read(3, false)], [4, 5, 6]);
    assert.deepEqual([...queue.read(0, false)], []);
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
