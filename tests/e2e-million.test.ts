/**
 * A million events with Filebeat's defaults (batch 2048, compression 3, pipelining 2) through the
 * whole local chain into the receiver's events.ndjson: every event arrives, none is lost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkDelivery, createSender, generateEvents } from '@beats-gate/lumberjack';
import { startTestStack, type StackFixture } from './support/stack-fixture.ts';

const COUNT = 1_000_000;

describe('a million events through client → edge → unwrapper → receiver', () => {
  let fixture: StackFixture;
  before(async () => {
    fixture = await startTestStack(undefined, { logLevel: 'warn' });
  });
  after(() => fixture?.close());

  it('delivers every event with Filebeat defaults', async (t) => {
    const runId = `million-${Date.now()}`;
    const sender = createSender({
      host: '127.0.0.1',
      port: fixture.stack.ports.client,
      batchSize: 2048,
      compressionLevel: 3,
      pipelining: 2,
    });
    try {
      const result = await sender.send(generateEvents(COUNT, { runId }));
      t.diagnostic(
        `${COUNT} events in ${result.durationMs} ms (${Math.round((COUNT / result.durationMs) * 1000)} events/s), ${result.connections} connection(s)`,
      );
      assert.equal(result.acked, COUNT);
    } finally {
      sender.close();
    }
    const report = checkDelivery({ runId, count: COUNT }, await fixture.readEvents());
    assert.equal(report.missing.length, 0, `${report.missing.length} events lost`);
    assert.equal(report.delivered, COUNT);
    assert.equal(report.unexpected, 0);
  });
});
