// The tunnel between a Filebeat-style sender and a Logstash-style receiver (both from
// @beats-gate/lumberjack), with a local ws server standing in for edge and unwrapper. Delivery is
// checked event by event: duplicates after a failure are allowed, a missing event never is.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import {
  checkDelivery,
  createMemorySink,
  createReceiver,
  createSender,
  generateEvents,
  type Receiver,
} from '@beats-gate/lumberjack';
import type { WebSocket } from 'ws';
import { createClient, type Client } from '../src/index.ts';
import {
  captureLogger,
  clientConfig,
  type Edge,
  type EdgeOptions,
  forwardTo,
  jwt,
  listenerConfig,
  startEdge,
} from './helpers.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function chain(edgeOptions: (receiverPort: number) => EdgeOptions, clientExtra = {}) {
  const memory = createMemorySink();
  const receiver: Receiver = createReceiver({ host: '127.0.0.1', port: 0, sink: memory.sink });
  const { port: receiverPort } = await receiver.listen();
  cleanups.push(() => receiver.close());
  const edge: Edge = await startEdge(edgeOptions(receiverPort));
  cleanups.push(() => edge.close());
  const logs = captureLogger();
  const client: Client = createClient(
    clientConfig(
      [listenerConfig(edge.url, { type: 'static', token: jwt('device-token') })],
      clientExtra,
    ),
    { logger: logs.logger },
  );
  cleanups.push(() => client.close());
  const port = (await client.listen()).listeners[0]?.port ?? 0;
  return { memory, edge, logs, port };
}

function send(port: number, count: number, runId: string, compressionLevel = 3) {
  const sender = createSender({
    host: '127.0.0.1',
    port,
    batchSize: 512,
    compressionLevel,
    pipelining: 2,
    timeoutMs: 10_000,
    backoffInitialMs: 10,
    backoffMaxMs: 200,
    maxAttempts: 200,
  });
  cleanups.push(() => Promise.resolve(sender.close()));
  return sender.send(generateEvents(count, { runId }));
}

describe('Lumberjack through the client', () => {
  for (const level of [0, 3]) {
    it(`delivers every event exactly once on a healthy path (compression ${level})`, async () => {
      const { memory, port } = await chain((receiverPort) => ({
        onSocket: forwardTo(receiverPort),
      }));
      const runId = randomUUID();
      const result = await send(port, 5000, runId, level);
      assert.equal(result.acked, 5000);
      const report = checkDelivery({ runId, count: 5000 }, memory.events);
      assert.deepEqual(report, { delivered: 5000, missing: [], duplicates: 0, unexpected: 0 });
    });
  }

  it('loses nothing when the WebSocket is reset in the middle of a stream', async () => {
    let resets = 0;
    const { memory, port } = await chain((receiverPort) => ({
      onSocket(ws: WebSocket) {
        forwardTo(receiverPort)(ws);
        // Kill the first two tunnels after a few messages: mid-window, acks outstanding.
        if (resets < 2) {
          resets += 1;
          let messages = 0;
          ws.on('message', () => {
            messages += 1;
            if (messages === 3) {
              (ws as unknown as { _socket: { resetAndDestroy(): void } })._socket.resetAndDestroy();
            }
          });
        }
      },
    }));
    const runId = randomUUID();
    const result = await send(port, 4000, runId, 0);
    const report = checkDelivery({ runId, count: 4000 }, memory.events);
    assert.deepEqual(report.missing, []);
    assert.equal(report.delivered, 4000);
    assert.equal(report.unexpected, 0);
    assert.equal(resets, 2);
    assert.ok(result.connections >= 3, 'the sender did not reconnect');
    assert.ok(result.resends > 0, 'nothing was resent: the reset did not hit a window in flight');
  });

  it('loses nothing across an edge outage answered with 503 and a client backoff', async () => {
    let refusals = 3;
    const { memory, port, logs } = await chain(
      (receiverPort) => ({
        decide: () =>
          refusals-- > 0 ? { status: 503, headers: { 'retry-after': '0' } } : undefined,
        onSocket: forwardTo(receiverPort),
      }),
      { backoffInitialMs: 20, backoffMaxMs: 100 },
    );
    const runId = randomUUID();
    await send(port, 3000, runId);
    const report = checkDelivery({ runId, count: 3000 }, memory.events);
    assert.deepEqual(report, { delivered: 3000, missing: [], duplicates: 0, unexpected: 0 });
    assert.equal(logs.events.filter((e) => e.event === 'handshake_failed').length, 3);
  });
});
