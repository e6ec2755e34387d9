import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { checkDelivery, createReceiver, createSender, generateEvents } from '../src/index.ts';
import type { Receiver, SenderOptions } from '../src/index.ts';
import { createSeqSink, startCuttingProxy } from './delivery-support.ts';
import type { CuttingProxy } from './delivery-support.ts';

const receivers: Receiver[] = [];
const proxies: CuttingProxy[] = [];
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await Promise.all(proxies.map((p) => p.close()));
});

const fast: Partial<SenderOptions> = { backoffInitialMs: 10, backoffMaxMs: 100, maxAttempts: 50 };

describe('sender against receiver', { timeout: 300_000 }, () => {
  it('delivers 1,000,000 events at compression 3 with none lost', async () => {
    const seqSink = createSeqSink();
    const receiver = createReceiver({ port: 0, sink: seqSink.sink });
    receivers.push(receiver);
    const { port } = await receiver.listen();
    const count = 1_000_000;
    const sender = createSender({ host: '127.0.0.1', port, compressionLevel: 3, ...fast });
    const result = await sender.send(generateEvents(count, { runId: 'million' }));
    assert.equal(result.acked, count);
    assert.equal(result.sent, count);
    const report = checkDelivery({ runId: 'million', count }, seqSink.received());
    assert.deepEqual(report, { delivered: count, missing: [], duplicates: 0, unexpected: 0 });
  });

  for (const compressionLevel of [0, 3]) {
    it(`survives a connection cut in the middle of a window (compression ${compressionLevel})`, async () => {
      const seqSink = createSeqSink();
      const receiver = createReceiver({ port: 0, sink: seqSink.sink });
      receivers.push(receiver);
      const { port } = await receiver.listen();
      // 100 KiB lands inside a window: some windows acked, one cut short, others never sent.
      const proxy = await startCuttingProxy(port, 100 * 1024);
      proxies.push(proxy);
      const count = 50_000;
      const batchSize = 1000;
      const sender = createSender({
        host: '127.0.0.1',
        port: proxy.port,
        batchSize,
        compressionLevel,
        ...fast,
      });
      const result = await sender.send(generateEvents(count, { runId: 'cut' }));
      assert.equal(result.acked, count);
      assert.ok(result.connections >= 2, 'the sender reconnected');
      const report = checkDelivery({ runId: 'cut', count }, seqSink.received());
      assert.deepEqual(report.missing, []);
      assert.equal(report.unexpected, 0);
      // Each failure duplicates at most the windows in flight.
      const bound = (result.connections - 1) * 3 * batchSize;
      assert.ok(report.duplicates <= bound, `duplicates ${report.duplicates} > ${bound}`);
      assert.equal(result.resends, result.sent - count);
    });
  }

  it('survives the receiver restarting on the same port mid-run', async () => {
    const seqSink = createSeqSink();
    const first = createReceiver({ port: 0, sink: seqSink.sink });
    const { port } = await first.listen();
    const count = 200_000;
    const batchSize = 2048;
    let restarted: Promise<void> | undefined;
    const sender = createSender({ host: '127.0.0.1', port, batchSize, ...fast });
    const sending = sender.send(
      (function* () {
        for (const event of generateEvents(count, { runId: 'restart' })) {
          // Restart once, a quarter of the way in, while windows are in flight.
          if (event.seq === count / 4) {
            restarted ??= (async () => {
              await first.close();
              const second = createReceiver({ port, sink: seqSink.sink });
              receivers.push(second);
              await second.listen();
            })();
          }
          yield event;
        }
      })(),
    );
    const result = await sending;
    await restarted;
    assert.equal(result.acked, count);
    assert.ok(result.connections >= 2, 'the sender reconnected');
    const report = checkDelivery({ runId: 'restart', count }, seqSink.received());
    assert.deepEqual(report.missing, []);
    assert.equal(report.unexpected, 0);
    const bound = (result.connections - 1) * 3 * batchSize;
    assert.ok(report.duplicates <= bound, `duplicates ${report.duplicates} > ${bound}`);
  });
});
