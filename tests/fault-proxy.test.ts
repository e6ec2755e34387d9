/**
 * The fault proxy itself, against peers in this process whose reads can be seen: a fault test is
 * only as good as the fault it injects.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { createFaultProxy, type FaultProxy } from './support/fault-proxy.ts';
import { until } from './support/delivery-run.ts';

/** Every read of a socket: its size and its bytes. */
function recordReads(socket: Socket) {
  const sizes: number[] = [];
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => {
    sizes.push(chunk.length);
    chunks.push(chunk);
  });
  return { sizes, bytes: () => Buffer.concat(chunks) };
}

describe('fault proxy', () => {
  let proxy: FaultProxy;
  const server = createServer();
  let serverSide: Promise<Socket>;
  before(async () => {
    serverSide = once(server, 'connection').then(([socket]) => {
      // The proxy resets both sides when it closes.
      (socket as Socket).on('error', () => {});
      return socket as Socket;
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    proxy = await createFaultProxy({
      target: { host: '127.0.0.1', port: (server.address() as AddressInfo).port },
    });
  });
  after(async () => {
    await proxy.close();
    (await serverSide).destroy();
    server.close();
  });

  it('chop mode delivers every byte in a read of its own, both ways, in order', async () => {
    proxy.mode = 'chop';
    const client = connect(proxy.port, '127.0.0.1');
    await once(client, 'connect');
    const server = await serverSide;
    const atServer = recordReads(server);
    const atClient = recordReads(client);
    // One write each way: without chopping, each would arrive in one or two reads.
    const up = randomBytes(2048);
    const down = randomBytes(1024);
    client.write(up);
    server.write(down);
    await until(
      () => atServer.bytes().length >= up.length && atClient.bytes().length >= down.length,
      10_000,
      'both directions to arrive',
    );
    assert.deepEqual(atServer.bytes(), up);
    assert.deepEqual(atClient.bytes(), down);
    assert.equal(Math.max(...atServer.sizes), 1, 'the target read more than one byte at once');
    assert.equal(Math.max(...atClient.sizes), 1, 'the client read more than one byte at once');

    // Back to pass mode: what follows comes through whole again, after the chopped bytes.
    proxy.mode = 'pass';
    const reads = atServer.sizes.length;
    client.write(Buffer.alloc(4096, 1));
    await until(() => atServer.bytes().length >= up.length + 4096, 10_000, 'the passed bytes');
    assert.ok(atServer.sizes.length - reads < 4096 / 2, 'pass mode still chopped');
    client.destroy();
  });
});
