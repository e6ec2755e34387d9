import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import {
  createDecoder,
  createSender,
  encodeAck,
  generateEvents,
  silentLogger,
} from '../src/index.ts';
import type { Frame } from '../src/index.ts';

/**
 * A scripted receiver: for each connection, `answer` sees the frames of every complete window and
 * says what to write back and whether to cut the connection afterwards.
 */
async function startScripted(
  answer: (connection: number, frames: Frame[]) => { reply: Buffer; cut?: boolean },
): Promise<{ port: number; windows: Frame[][][]; server: Server }> {
  const windows: Frame[][][] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const connection = windows.push([]) - 1;
    const decoder = createDecoder();
    let current: Frame[] = [];
    let expected = 0;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.type === 'window') {
          current = [frame];
          expected = frame.size;
          continue;
        }
        current.push(frame);
        if (current.length - 1 === expected) {
          windows[connection]?.push(current);
          const { reply, cut } = answer(connection, current);
          socket.write(reply);
          if (cut === true) socket.destroySoon();
        }
      }
    });
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, windows, server };
}

const servers: Server[] = [];
after(() => servers.forEach((s) => s.close()));

const fast = { backoffInitialMs: 5, backoffMaxMs: 20, maxAttempts: 10 };
const eventSeqs = (frames: Frame[]) =>
  frames.slice(1).map((f) => (f.type === 'json' ? [f.seq, f.event.seq] : []));

describe('sender with partial and invalid acks', { timeout: 120_000 }, () => {
  it('resends only the unacknowledged rest of a partially acked window, renumbered from 1', async () => {
    const scripted = await startScripted((connection, frames) =>
      connection === 0
        ? { reply: Buffer.concat([encodeAck(0), encodeAck(2), encodeAck(3)]), cut: true }
        : { reply: encodeAck(frames.length - 1) },
    );
    servers.push(scripted.server);
    const sender = createSender({
      host: '127.0.0.1',
      port: scripted.port,
      batchSize: 5,
      compressionLevel: 0,
      pipelining: 0,
      ...fast,
    });
    const result = await sender.send(generateEvents(5, { runId: 'partial' }));
    assert.deepEqual(result.acked, 5);
    assert.equal(result.sent, 7);
    assert.equal(result.resends, 2);
    assert.equal(result.connections, 2);
    assert.deepEqual(eventSeqs(scripted.windows[0]?.[0] ?? []), [
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 3],
      [5, 4],
    ]);
    assert.deepEqual(scripted.windows[1]?.map(eventSeqs), [
      [
        [1, 3],
        [2, 4],
      ],
    ]);
  });

  it('resends every unacknowledged window in order after a cut with windows pipelined', async () => {
    // First connection: ack window 1 only, then cut while windows 2 and 3 are in flight.
    const scripted = await startScripted((connection, frames) => {
      if (connection > 0) return { reply: encodeAck(frames.length - 1) };
      const first = frames[1]?.type === 'json' && frames[1].event.seq === 0;
      return first
        ? { reply: encodeAck(frames.length - 1) }
        : { reply: Buffer.alloc(0), cut: true };
    });
    servers.push(scripted.server);
    const sender = createSender({
      host: '127.0.0.1',
      port: scripted.port,
      batchSize: 4,
      compressionLevel: 3,
      pipelining: 2,
      ...fast,
    });
    const result = await sender.send(generateEvents(20, { runId: 'pipelined' }));
    assert.equal(result.acked, 20);
    const resent = (scripted.windows[1] ?? []).map((w) => eventSeqs(w).map(([, seq]) => seq));
    assert.deepEqual(resent.slice(0, 2), [
      [4, 5, 6, 7],
      [8, 9, 10, 11],
    ]);
    assert.deepEqual(
      resent.flat(),
      Array.from({ length: 16 }, (_, i) => i + 4),
    );
  });

  it('treats an ack past the window as a protocol error and resends', async () => {
    const scripted = await startScripted((connection, frames) => ({
      reply: encodeAck(connection === 0 ? frames.length : frames.length - 1),
    }));
    servers.push(scripted.server);
    const sender = createSender({ host: '127.0.0.1', port: scripted.port, batchSize: 3, ...fast });
    const result = await sender.send(generateEvents(3));
    assert.equal(result.acked, 3);
    assert.equal(result.connections, 2);
    assert.equal(result.resends, 3);
  });
});

describe('sender giving up and closing', { timeout: 120_000 }, () => {
  it('gives up after maxAttempts failed connection attempts', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const sender = createSender({ host: '127.0.0.1', port, maxAttempts: 3, backoffInitialMs: 1 });
    await assert.rejects(sender.send(generateEvents(10)), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_LJ_SENDER_GAVE_UP');
      assert.equal((err.cause as { code?: string }).code, 'ERR_LJ_SENDER_CONNECT_FAILED');
      return true;
    });
  });

  for (const when of ['connecting', 'backing off']) {
    it(`rejects a running send with ERR_LJ_SENDER_CLOSED when closed while ${when}`, async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as { port: number };
      await new Promise((resolve) => closed.close(resolve));
      const sender = createSender({
        host: '127.0.0.1',
        port,
        backoffInitialMs: 60_000,
        // The failure is logged just before the backoff wait starts.
        logger: {
          info() {},
          warn: () => when === 'backing off' && setImmediate(() => sender.close()),
          child: () => silentLogger,
        },
      });
      const sending = sender.send(generateEvents(10));
      if (when === 'connecting') sender.close();
      await assert.rejects(sending, { code: 'ERR_LJ_SENDER_CLOSED' });
    });
  }

  it('rejects events that are not JSON objects without retrying', async () => {
    const scripted = await startScripted((_c, frames) => ({ reply: encodeAck(frames.length - 1) }));
    servers.push(scripted.server);
    const sender = createSender({ host: '127.0.0.1', port: scripted.port, ...fast });
    await assert.rejects(sender.send([{ a: 1 }, [1, 2] as unknown as Record<string, unknown>]), {
      code: 'ERR_LJ_SENDER_BAD_EVENT',
    });
  });
});
