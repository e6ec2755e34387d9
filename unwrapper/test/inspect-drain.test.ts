// Batch-boundary drains on real sockets, with Logstash's acks held back 200 ms so windows are
// always in flight when a tunnel ends. A byte tunnel closed by a deploy makes the sender resend
// windows Logstash already has (duplicates); the Lumberjack-aware drain waits for their acks and
// closes at a window boundary: the sender finishes on the next unwrapper with no duplicate and no
// loss. Token expiry does the same with 1008.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  checkDelivery,
  createMemorySink,
  createReceiver,
  createSender,
  generateEvents,
  type Receiver,
} from '@beats-gate/lumberjack';
import { startIdentityBridge, startSlowAckRelay } from './helpers/identity-bridge.ts';
import { startUnwrapper, waitFor, type Harness } from './helpers/harness.ts';
import { startBinary } from './helpers/unwrapper-process.ts';

const ACK_DELAY_MS = 200;

describe('drains', () => {
  const memory = createMemorySink();
  let receiver: Receiver;
  let relay: Awaited<ReturnType<typeof startSlowAckRelay>>;

  before(async () => {
    receiver = createReceiver({ port: 0, sink: memory.sink });
    const { port } = await receiver.listen();
    relay = await startSlowAckRelay(port, ACK_DELAY_MS);
  });
  after(async () => {
    await relay.close();
    await receiver.close();
  });

  const upstreams = () => [{ host: '127.0.0.1', port: relay.port }];

  /** Sends `count` events; once `switchAfter` arrived, `restart` moves the bridge elsewhere. */
  async function runAcrossRestart(
    first: Harness,
    second: Harness,
    runId: string,
    drain: () => Promise<void>,
  ) {
    let target = first.url;
    const bridge = await startIdentityBridge(() => target);
    const count = 40_000;
    const sender = createSender({
      host: '127.0.0.1',
      port: bridge.port,
      backoffInitialMs: 10,
      backoffMaxMs: 50,
    });
    const start = memory.events.length;
    const ours = () => memory.events.slice(start);
    try {
      const sending = sender.send(generateEvents(count, { runId }));
      await waitFor(
        () => ours().length >= 8192,
        'a few windows through the first unwrapper',
        30_000,
      );
      target = second.url;
      await drain();
      const result = await sending;
      assert.equal(result.acked, count);
      assert.ok(result.connections >= 2, 'the sender reconnected');
      return checkDelivery({ runId, count }, ours());
    } finally {
      sender.close();
      await bridge.close();
    }
  }

  it('control: a byte tunnel closed by a deploy makes the sender resend windows Logstash has', async (t) => {
    const first = await startUnwrapper({ upstreams: upstreams() });
    const second = await startUnwrapper({ upstreams: upstreams() });
    try {
      const report = await runAcrossRestart(first, second, 'byte-restart', () =>
        first.unwrapper.drain(0),
      );
      assert.deepEqual(report.missing, []);
      t.diagnostic(`byte tunnel restart: ${report.duplicates} duplicate events`);
      assert.ok(report.duplicates > 0, `duplicates: ${report.duplicates}`);
    } finally {
      await first.unwrapper.close();
      await second.unwrapper.close();
    }
  });

  it('drainAtWindowBoundary: the same deploy without a single duplicate', async () => {
    const first = await startUnwrapper({ upstreams: upstreams(), drainAtWindowBoundary: true });
    const second = await startUnwrapper({ upstreams: upstreams(), drainAtWindowBoundary: true });
    try {
      const report = await runAcrossRestart(first, second, 'drain-restart', () =>
        first.unwrapper.drain(20_000),
      );
      assert.deepEqual(report.missing, []);
      assert.equal(report.duplicates, 0);
      const closedLine = first.logs.find((l) => l.event === 'tunnel_closed') as {
        closeCode?: number;
        inspect?: { drain?: string; windows: number; windowsAcked: number };
      };
      assert.equal(closedLine.closeCode, 1001);
      assert.equal(closedLine.inspect?.drain, 'shutdown');
      assert.equal(closedLine.inspect?.windowsAcked, closedLine.inspect?.windows);
      assert.ok(first.logs.some((l) => l.event === 'window_drain'));
    } finally {
      await first.unwrapper.close();
      await second.unwrapper.close();
    }
  });

  it('SIGTERM on the real binary with BEATS_GATE_UNWRAPPER_DRAIN_AT_WINDOW_BOUNDARY: no duplicate', async () => {
    const binary = await startBinary({
      BEATS_GATE_UNWRAPPER_UPSTREAMS: `127.0.0.1:${relay.port}`,
      BEATS_GATE_UNWRAPPER_DRAIN_AT_WINDOW_BOUNDARY: 'true',
    });
    const second = await startUnwrapper({ upstreams: upstreams(), assertionKeys: [binary.key] });
    let target = binary.url;
    const bridge = await startIdentityBridge(
      () => target,
      () => ({}),
      binary.key,
    );
    const runId = 'sigterm';
    const count = 40_000;
    const start = memory.events.length;
    const ours = () => memory.events.slice(start);
    const sender = createSender({
      host: '127.0.0.1',
      port: bridge.port,
      backoffInitialMs: 10,
      backoffMaxMs: 50,
    });
    try {
      const sending = sender.send(generateEvents(count, { runId }));
      await waitFor(() => ours().length >= 8192, 'a few windows through the binary', 30_000);
      target = second.url;
      binary.child.kill('SIGTERM');
      const result = await sending;
      assert.equal(result.acked, count);
      const [code] = await binary.exited;
      assert.equal(code, 0);
      const report = checkDelivery({ runId, count }, ours());
      assert.deepEqual(report.missing, []);
      assert.equal(report.duplicates, 0);
      const closedLine = binary.lines.find((l) => l.event === 'tunnel_closed') as {
        closeCode?: number;
        inspect?: { drain?: string };
      };
      assert.equal(closedLine.closeCode, 1001);
      assert.equal(closedLine.inspect?.drain, 'shutdown');
    } finally {
      sender.close();
      await bridge.close();
      await second.unwrapper.close();
      if (binary.child.exitCode === null) binary.child.kill('SIGKILL');
    }
  });

  it('drainOnTokenExpiry: closes 1008 at a window boundary, no duplicate, no loss', async () => {
    const harness = await startUnwrapper({
      upstreams: upstreams(),
      drainOnTokenExpiry: true,
      maxTunnelsPerSubject: 100,
    });
    let tunnels = 0;
    // The first token expires within 1-2 s; the tokens fetched after it are long-lived.
    const exp = Math.ceil(Date.now() / 1000) + 1;
    const bridge = await startIdentityBridge(
      () => harness.url,
      () => ({ tokenExpiresAt: tunnels++ === 0 ? exp : exp + 3600 }),
    );
    const runId = 'expiry';
    const count = 100_000;
    const start = memory.events.length;
    const sender = createSender({
      host: '127.0.0.1',
      port: bridge.port,
      backoffInitialMs: 10,
      backoffMaxMs: 50,
    });
    try {
      const result = await sender.send(generateEvents(count, { runId }));
      assert.equal(result.acked, count);
      assert.ok(bridge.closes.includes(1008), `closes: ${bridge.closes.join(',')}`);
      const report = checkDelivery({ runId, count }, memory.events.slice(start));
      assert.deepEqual(report.missing, []);
      assert.equal(report.duplicates, 0);
      const expired = harness.logs.find(
        (l) => l.event === 'tunnel_closed' && l.closeCode === 1008,
      ) as {
        closedBy?: string;
        inspect?: { drain?: string; windows: number; windowsAcked: number };
      };
      assert.equal(expired.closedBy, 'unwrapper');
      assert.equal(expired.inspect?.drain, 'token_expired');
      assert.equal(expired.inspect?.windowsAcked, expired.inspect?.windows);
      assert.equal(
        await harness.metric('beats_gate_unwrapper_window_drains_total', {
          reason: 'token_expired',
        }),
        1,
      );
    } finally {
      sender.close();
      await bridge.close();
      await harness.unwrapper.close();
    }
    await waitFor(() => harness.unwrapper.tunnels.length === 0, 'tunnels closed');
  });
});
