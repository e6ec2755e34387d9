import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { checkDelivery, createReceiver, createSender, generateEvents } from '../src/index.ts';
import type { Receiver } from '../src/index.ts';
import { createSeqSink } from './delivery-support.ts';

const receivers: Receiver[] = [];
after(() => Promise.all(receivers.map((r) => r.close())));

const count = 20_000;
const batchSize = 1000;

async function run(keepAliveIntervalMs: number, timeoutMs: number, firstBatchMs: number) {
  // Only the first batch is slow: a resend after a timeout must not be held again forever.
  const seqSink = createSeqSink((_batch, call) => (call === 1 ? delay(firstBatchMs) : undefined));
  const receiver = createReceiver({ port: 0, sink: seqSink.sink, keepAliveIntervalMs });
  receivers.push(receiver);
  const { port } = await receiver.listen();
  const sender = createSender({
    host: '127.0.0.1',
    port,
    batchSize,
    timeoutMs,
    backoffInitialMs: 10,
    backoffMaxMs: 100,
    maxAttempts: 20,
  });
  const runId = `slow-${keepAliveIntervalMs}`;
  const result = await sender.send(generateEvents(count, { runId }));
  // The held batch may still be in the sink after the resend was acked: wait for it.
  await delay(firstBatchMs);
  return { result, report: checkDelivery({ runId, count }, seqSink.received()) };
}

describe('sender timeouts and receiver keep-alives', { timeout: 120_000 }, () => {
  it('resends after an ack is held past the timeout with keep-alives off', async () => {
    const { result, report } = await run(0, 400, 2000);
    assert.equal(result.acked, count);
    assert.ok(result.connections >= 2, 'the sender timed out and reconnected');
    assert.ok(result.resends > 0);
    assert.deepEqual(report.missing, []);
    assert.equal(report.unexpected, 0);
    assert.ok(report.duplicates > 0, 'the held window arrived twice');
    // Each failure duplicates at most the windows in flight (a loaded machine may time out twice).
    const bound = (result.connections - 1) * 3 * batchSize;
    assert.ok(report.duplicates <= bound, `duplicates ${report.duplicates} > ${bound}`);
  });

  it('keeps waiting without resending while keep-alives arrive for a slow batch', async () => {
    // Keep-alives every 50 ms against a 1 s timeout: only a stall of the whole process could fail it.
    const { result, report } = await run(50, 1000, 2500);
    assert.equal(result.acked, count);
    assert.equal(result.connections, 1);
    assert.equal(result.resends, 0);
    assert.deepEqual(report, { delivered: count, missing: [], duplicates: 0, unexpected: 0 });
  });
});
