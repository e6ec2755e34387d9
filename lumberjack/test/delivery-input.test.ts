import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkDelivery, createReceiver, createSender, generateEvents } from '../src/index.ts';
import { createSeqSink } from './delivery-support.ts';

describe('sender inputs', { timeout: 120_000 }, () => {
  const seqSink = createSeqSink();
  const receiver = createReceiver({ port: 0, sink: seqSink.sink });
  let port = 0;
  before(async () => ({ port } = await receiver.listen()));
  after(() => receiver.close());

  it('sends an async iterable, windows cut at batchSize', async () => {
    async function* slowly(): AsyncGenerator<Record<string, unknown>> {
      for (const event of generateEvents(5000, { runId: 'async' })) {
        if ((event.seq as number) % 1000 === 0) await new Promise((r) => setImmediate(r));
        yield event;
      }
    }
    const sender = createSender({ host: '127.0.0.1', port, batchSize: 512 });
    const result = await sender.send(slowly());
    assert.equal(result.acked, 5000);
    const report = checkDelivery({ runId: 'async', count: 5000 }, seqSink.received());
    assert.deepEqual(report, { delivered: 5000, missing: [], duplicates: 0, unexpected: 0 });
  });

  it('resolves at once for an empty input', async () => {
    const sender = createSender({ host: '127.0.0.1', port });
    const result = await sender.send([]);
    assert.deepEqual([result.acked, result.sent], [0, 0]);
  });

  it('rejects with ERR_LJ_SENDER_INPUT_FAILED when the input throws, without retrying', async () => {
    function* failing(): Generator<Record<string, unknown>> {
      yield* generateEvents(100, { runId: 'failing' });
      throw new Error('source broke');
    }
    const sender = createSender({ host: '127.0.0.1', port, batchSize: 10 });
    await assert.rejects(
      sender.send(failing()),
      (err: Error & { code?: string; result?: { connections: number } }) => {
        assert.equal(err.code, 'ERR_LJ_SENDER_INPUT_FAILED');
        assert.equal((err.cause as Error).message, 'source broke');
        assert.equal(err.result?.connections, 1);
        return true;
      },
    );
  });
});
