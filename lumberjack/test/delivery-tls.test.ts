import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkDelivery, createReceiver, createSender, generateEvents } from '../src/index.ts';
import type { Receiver } from '../src/index.ts';
import { createSeqSink } from './delivery-support.ts';

const fixtures = resolve(import.meta.dirname, '../src/receiver/test-fixtures');
const pem = (name: string): Buffer => readFileSync(resolve(fixtures, name));

const receivers: Receiver[] = [];
after(() => Promise.all(receivers.map((r) => r.close())));

async function startTlsReceiver(): Promise<{
  port: number;
  seqSink: ReturnType<typeof createSeqSink>;
}> {
  const seqSink = createSeqSink();
  const receiver = createReceiver({
    port: 0,
    sink: seqSink.sink,
    tls: {
      cert: pem('server.crt'),
      key: pem('server.key'),
      ca: pem('ca.crt'),
      verifyClients: true,
    },
  });
  receivers.push(receiver);
  const { port } = await receiver.listen();
  return { port, seqSink };
}

describe('sender over TLS with a client certificate', { timeout: 120_000 }, () => {
  it('delivers every event to a receiver that verifies clients', async () => {
    const { port, seqSink } = await startTlsReceiver();
    const sender = createSender({
      host: '127.0.0.1',
      port,
      tls: { ca: pem('ca.crt'), cert: pem('client.crt'), key: pem('client.key') },
    });
    const result = await sender.send(generateEvents(10_000, { runId: 'tls' }));
    assert.equal(result.acked, 10_000);
    const report = checkDelivery({ runId: 'tls', count: 10_000 }, seqSink.received());
    assert.deepEqual(report, { delivered: 10_000, missing: [], duplicates: 0, unexpected: 0 });
  });

  it('fails, without delivering, when the receiver refuses its certificate', async () => {
    const { port, seqSink } = await startTlsReceiver();
    const sender = createSender({
      host: '127.0.0.1',
      port,
      tls: { ca: pem('ca.crt'), cert: pem('rogue.crt'), key: pem('rogue.key') },
      maxAttempts: 2,
      backoffInitialMs: 1,
    });
    await assert.rejects(sender.send(generateEvents(10)), { code: 'ERR_LJ_SENDER_GAVE_UP' });
    assert.equal(seqSink.count, 0);
  });

  it('refuses a receiver whose certificate it cannot verify', async () => {
    const { port } = await startTlsReceiver();
    const sender = createSender({ host: '127.0.0.1', port, tls: {}, maxAttempts: 1 });
    await assert.rejects(sender.send(generateEvents(10)), (err: Error & { cause?: unknown }) => {
      const cause = err.cause as { code?: string; cause?: { code?: string } };
      assert.equal(cause.code, 'ERR_LJ_SENDER_CONNECT_FAILED');
      // The receiver also sends its CA, which the sender does not trust.
      assert.match(
        cause.cause?.code ?? '',
        /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
      );
      return true;
    });
  });
});
