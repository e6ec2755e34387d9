import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteQueue } from './byte-queue.ts';

describe('ByteQueue', () => {
  it('keeps a chunk pushed into an empty queue as it is: whole frames are never copied', () => {
    const queue = new ByteQueue();
    const message = Buffer.from([1, 2, 3, 4, 5]);
    queue.push(message);
    const taken = queue.take(2);
    assert.ok(taken.buffer === message.buffer, 'a view of the chunk');
    assert.deepEqual([...taken], [1, 2]);
    assert.equal(queue.length, 3);
  });

  it('copies what follows, so views taken earlier are never written over', () => {
    const queue = new ByteQueue();
    queue.push(Buffer.from([1, 2, 3]));
    const first = queue.take(2);
    const source = Buffer.from([4, 5]);
    queue.push(source);
    source[0] = 9; // the queue holds a copy: what the caller does with its buffer is no concern
    for (let i = 0; i < 100_000; i++) queue.push(Buffer.from([i & 0xff]));
    assert.deepEqual([...first], [1, 2]);
    const rest = queue.take(queue.length);
    assert.deepEqual([...rest.subarray(0, 4)], [3, 4, 5, 0]);
    assert.equal(rest[rest.length - 1], 99_999 & 0xff);
  });

  it('reads in place: the held bytes sit in one buffer from `start`', () => {
    const queue = new ByteQueue();
    queue.push(Buffer.from([0x12]));
    queue.push(Buffer.from([0x34, 0x56]));
    queue.push(Buffer.alloc(0));
    queue.push(Buffer.from([0x78, 0x9a]));
    queue.take(1);
    assert.equal(queue.buffer.readUInt32BE(queue.start), 0x3456789a);
    assert.equal(queue.length, 4);
  });

  it('costs its bytes and a quarter more, not an object per chunk', () => {
    const queue = new ByteQueue();
    for (let i = 0; i < 1_000_000; i++) queue.push(Buffer.from([i & 0xff]));
    assert.equal(queue.length, 1_000_000);
    assert.ok(queue.buffer.length <= 1_250_000 + 64 * 1024, `${queue.buffer.length} bytes`);
  });

  it('takes bytes written in place (reserve, commit), and never writes over a view taken', () => {
    const queue = new ByteQueue();
    queue.push(Buffer.from('ab'));
    const first = queue.take();
    for (const text of ['cd', 'x'.repeat(100_000)]) {
      const offset = queue.reserve(text.length);
      queue.commit(offset + queue.buffer.write(text, offset));
    }
    assert.equal(first.toString(), 'ab');
    assert.equal(queue.take(2).toString(), 'cd');
    assert.equal(queue.take().length, 100_000);
    assert.equal(queue.length, 0);
  });

  it('lets its buffer go once everything is taken', () => {
    const queue = new ByteQueue();
    queue.push(Buffer.from([1]));
    queue.push(Buffer.from([2]));
    queue.take(2);
    assert.equal(queue.length, 0);
    assert.equal(queue.buffer.length, 0);
  });
});
