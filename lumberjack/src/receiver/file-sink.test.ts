import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createFileSink } from './file-sink.ts';
import type { Batch } from './types.ts';

const dir = await mkdtemp(join(tmpdir(), 'lj-file-sink-'));
after(() => rm(dir, { recursive: true, force: true }));

function batch(events: Record<string, unknown>[], payloads?: string[]): Batch {
  return {
    connectionId: 'c',
    remoteAddress: '127.0.0.1:1',
    version: 2,
    windowSize: events.length,
    events,
    payloads: (payloads ?? events.map((event) => JSON.stringify(event))).map((p) => Buffer.from(p)),
  };
}

describe('file sink', () => {
  it('appends one JSON event per line, in batch order, and resolves after the write', async () => {
    const path = join(dir, 'a.ndjson');
    const sink = createFileSink(path);
    await Promise.all([sink(batch([{ a: 1 }, { a: 2 }])), sink(batch([{ a: 3 }]))]);
    assert.equal(await readFile(path, 'utf8'), '{"a":1}\n{"a":2}\n{"a":3}\n');
    await sink(batch([{ a: 4 }]));
    await sink.close();
    assert.equal(await readFile(path, 'utf8'), '{"a":1}\n{"a":2}\n{"a":3}\n{"a":4}\n');
  });

  it('writes each payload byte for byte, a CR or LF between tokens as a space', async () => {
    const path = join(dir, 'b.ndjson');
    const sink = createFileSink(path);
    const payloads = ['{ "b" : 1.10 }', '{\r\n"b":\n12345678901234567890,"s":"a\\nb"}'];
    await sink(batch([{}, {}], payloads));
    await sink.close();
    assert.equal(
      await readFile(path, 'utf8'),
      '{ "b" : 1.10 }\n{  "b": 12345678901234567890,"s":"a\\nb"}\n',
    );
  });

  it('appends to an existing file and refuses batches after close', async () => {
    const path = join(dir, 'a.ndjson');
    const sink = createFileSink(path);
    await sink(batch([{ a: 5 }]));
    await sink.close();
    assert.match(await readFile(path, 'utf8'), /\{"a":4\}\n\{"a":5\}\n$/);
    await assert.rejects(sink(batch([{ a: 6 }])), /closed/);
  });

  it('with fsync, flushes each batch to disk before it resolves', async (t) => {
    const path = join(dir, 'c.ndjson');
    // FileHandle is not exported; its prototype is reachable from any open handle.
    const probe = await open(path, 'a');
    const proto = Object.getPrototypeOf(probe) as {
      datasync: (this: FileHandle) => Promise<void>;
      sync: (this: FileHandle) => Promise<void>;
    };
    await probe.close();
    const order: string[] = [];
    const { datasync } = proto;
    t.mock.method(proto, 'datasync', async function (this: FileHandle) {
      order.push('datasync');
      await datasync.call(this);
    });
    const { sync } = proto;
    t.mock.method(proto, 'sync', async function (this: FileHandle) {
      order.push('sync directory');
      await sync.call(this);
    });
    const sink = createFileSink(path, { fsync: true });
    await sink(batch([{ c: 1 }])).then(() => order.push('resolved'));
    await sink(batch([{ c: 2 }])).then(() => order.push('resolved'));
    await sink.close();
    assert.deepEqual(order, ['sync directory', 'datasync', 'resolved', 'datasync', 'resolved']);
    assert.equal(await readFile(path, 'utf8'), '{"c":1}\n{"c":2}\n');
    const plain = createFileSink(path);
    await plain(batch([{ c: 3 }]));
    await plain.close();
    assert.equal(order.length, 5, 'no flush without the option');
  });

  it('rejects when the file cannot be opened, so the receiver does not ack', async () => {
    const missing = join(dir, 'missing-dir');
    const sink = createFileSink(join(missing, 'x.ndjson'));
    await assert.rejects(sink(batch([{ a: 1 }])), {
      code: 'ERR_LJ_RECEIVER_FILE_UNWRITABLE',
      message: /x\.ndjson \(ENOENT\): its directory .* \(mkdir -p /,
    });
    // The failure is not kept: once the directory exists, the next batch is written.
    await mkdir(missing);
    await sink(batch([{ a: 2 }]));
    await sink.close();
    assert.equal(await readFile(join(missing, 'x.ndjson'), 'utf8'), '{"a":2}\n');
  });

  it('open() refuses a directory at once, naming it; close() after that resolves', async () => {
    const sink = createFileSink(dir);
    await assert.rejects(sink.open(), (error: Error & { code?: string; cause?: unknown }) => {
      assert.equal(error.code, 'ERR_LJ_RECEIVER_FILE_UNWRITABLE');
      assert.equal((error.cause as { code?: string }).code, 'EISDIR');
      assert.ok(error.message.includes(`${dir} (EISDIR): it is a directory`), error.message);
      return true;
    });
    await sink.close();
  });
});
