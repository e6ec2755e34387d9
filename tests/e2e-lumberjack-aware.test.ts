/**
 * The unwrapper's Lumberjack-aware mode through the whole chain (client → edge in workerd →
 * unwrapper → receiver): the verified identity overwrites what a device claims, and a SIGTERM
 * drain at a window boundary turns a deploy into a restart without duplicates.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSender } from '@beats-gate/lumberjack';
import { startControlledReceiver, type ControlledReceiver } from './support/controlled-receiver.ts';
import { runDelivery, until } from './support/delivery-run.ts';
import { startTestStack, type StackFixture } from './support/stack-fixture.ts';

// The drain gets far longer than it needs, and must finish well within it: a drain that closes
// only when the grace period runs out would pass a looser check.
const SHUTDOWN_GRACE_MS = 10_000;
const DRAIN_LIMIT_MS = 3_000;

describe('Lumberjack-aware unwrapper in the whole chain', () => {
  let receiver: ControlledReceiver;
  let fixture: StackFixture;
  before(async () => {
    receiver = await startControlledReceiver();
    fixture = await startTestStack(undefined, {
      logstashHosts: `127.0.0.1:${receiver.port}`,
      subject: 'device-42',
      env: {
        unwrapper: {
          BEATS_GATE_UNWRAPPER_INSPECT: 'stamp',
          BEATS_GATE_UNWRAPPER_DRAIN_AT_WINDOW_BOUNDARY: 'true',
          BEATS_GATE_UNWRAPPER_SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
        },
      },
    });
  });
  after(async () => {
    await fixture?.close();
    await receiver?.close();
  });

  it('stamps the verified subject over the identity a device wrote itself', async () => {
    const runId = `stamp-${Date.now()}`;
    const events = Array.from({ length: 3000 }, (_, seq) => ({
      message: `event ${seq}`,
      run: runId,
      seq,
      '@metadata': { beats_gate: { subject: 'admin' }, beat: 'filebeat' },
      host: { name: 'spoofed-host' },
    }));
    const sender = createSender({ host: '127.0.0.1', port: fixture.stack.ports.client });
    try {
      assert.equal((await sender.send(events)).acked, events.length);
    } finally {
      sender.close();
    }
    const received = receiver.events.filter((event) => event.run === runId);
    assert.equal(received.length, events.length);
    for (const event of received) {
      const metadata = event['@metadata'] as Record<string, unknown>;
      const identity = metadata.beats_gate as Record<string, unknown>;
      assert.equal(identity.subject, 'device-42');
      assert.equal(typeof identity.tunnel_id, 'string');
      // Everything else is the device's, untouched.
      assert.equal(metadata.beat, 'filebeat');
      assert.deepEqual(event.host, { name: 'spoofed-host' });
    }
  });

  it('drains at a window boundary on SIGTERM: a restart mid-run loses nothing and duplicates nothing', async () => {
    const count = 60_000;
    let drainMs = Number.NaN;
    const outcome = await runDelivery({
      clientPort: fixture.stack.ports.client,
      receiver,
      count,
      timeoutMs: 10_000,
      fault: async (runId) => {
        await until(() => receiver.countRun(runId) >= count / 3, 60_000, 'a third of the run');
        // Logstash holds a window unacknowledged while the drain starts: it is surely in flight,
        // so a drain that closes without waiting for its ack makes the Beat send it twice.
        receiver.hold();
        await until(() => receiver.heldBatches > 0, 10_000, 'a window held at the receiver');
        const drainsBefore = drainStarts();
        const stopping = fixture.stack.stop('unwrapper', SHUTDOWN_GRACE_MS + 5000);
        await until(() => drainStarts() > drainsBefore, 10_000, 'the unwrapper to start draining');
        receiver.release();
        const released = Date.now();
        await stopping;
        drainMs = Date.now() - released;
        await fixture.stack.start('unwrapper');
      },
    });
    assert.deepEqual(outcome.missing, []);
    assert.ok(outcome.result.connections > 1, 'the restart did not interrupt the run');
    assert.equal(outcome.duplicates, 0, 'the drain let a window be delivered twice');
    assert.ok(
      drainMs < DRAIN_LIMIT_MS,
      `the unwrapper took ${drainMs} ms to finish draining once the acks could flow`,
    );
  });

  /** drain_started lines the unwrapper logged so far. */
  function drainStarts(): number {
    return fixture.logs.filter(
      (line) => line.startsWith('[unwrapper]') && line.includes('"event":"drain_started"'),
    ).length;
  }
});
