/**
 * Negative control for the delivery checker. A test seam between the unwrapper and the receiver
 * silently drops one whole window while keeping the connection open — the failure docs/design.md
 * calls the worst possible bug: Logstash acks the next window, the sender takes that ack for the
 * dropped one, and the events are gone without an error. The checks the fault matrix relies on
 * must see it; if they passed here, they would prove nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDecoder, encodeFrame } from '@beats-gate/lumberjack';
import { startControlledReceiver, type ControlledReceiver } from './support/controlled-receiver.ts';
import { runDelivery } from './support/delivery-run.ts';
import { createFaultProxy, type FaultProxy } from './support/fault-proxy.ts';
import { startTestStack, type StackFixture } from './support/stack-fixture.ts';

const BATCH = 1000;
const DROPPED_WINDOW = 3;

/**
 * Re-frames the Beat → Logstash stream uncompressed and, once armed, drops the `which`-th window
 * that follows, once.
 */
function createWindowDropper() {
  let windows = 0;
  let dropAt = Infinity;
  return {
    arm(which: number) {
      dropAt = windows + which;
    },
    transform: () => {
      const decoder = createDecoder();
      let dropping = false;
      return (chunk: Buffer): Buffer | null => {
        const out: Buffer[] = [];
        for (const frame of decoder.push(chunk)) {
          if (frame.type === 'window') dropping = ++windows === dropAt;
          if (!dropping) out.push(encodeFrame(frame));
        }
        return out.length > 0 ? Buffer.concat(out) : null;
      };
    },
  };
}

describe('negative control: one silently dropped window', () => {
  let receiver: ControlledReceiver;
  let upstream: FaultProxy;
  let fixture: StackFixture;
  const dropper = createWindowDropper();
  before(async () => {
    receiver = await startControlledReceiver();
    upstream = await createFaultProxy({
      target: { host: '127.0.0.1', port: receiver.port },
      transformUp: dropper.transform,
    });
    fixture = await startTestStack(undefined, { logstashHosts: `127.0.0.1:${upstream.port}` });
  });
  after(async () => {
    await fixture?.close();
    await upstream?.close();
    await receiver?.close();
  });

  it('is caught by the delivery check: exactly the dropped window is missing', async () => {
    // A first run warms the chain (token, workerd, connections), so no slow first handshake
    // makes the sender time out and resend — which would heal the drop and hide it.
    const warmUp = await runDelivery({
      clientPort: fixture.stack.ports.client,
      receiver,
      count: 100,
    });
    assert.deepEqual(warmUp.missing, []);
    dropper.arm(DROPPED_WINDOW);
    const outcome = await runDelivery({
      clientPort: fixture.stack.ports.client,
      receiver,
      count: 20 * BATCH,
      batchSize: BATCH,
      compressionLevel: 3,
      // The ack of the last window never comes (it went to the dropped one): the sender resends
      // it after this timeout, long enough that no other failure can heal the drop first.
      timeoutMs: 10_000,
    });
    // The sender believes everything was acknowledged…
    assert.equal(outcome.result.acked, 20 * BATCH);
    // …and the checker proves it was not.
    const first = (DROPPED_WINDOW - 1) * BATCH;
    assert.deepEqual(
      outcome.missing,
      Array.from({ length: BATCH }, (_, i) => first + i),
    );
  });
});
