/**
 * The fault matrix: a Filebeat-compatible sender ships through client → edge (workerd) →
 * unwrapper → receiver while one thing breaks. Every case must end with every event delivered
 * and no more duplicates than the windows in flight at the faults (DESIGN.md §2).
 *
 * Fault proxies sit between client and edge (WebSocket bytes) and between unwrapper and receiver
 * (Lumberjack bytes); the receiver runs in-process so it can be held, killed and restarted.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startControlledReceiver, type ControlledReceiver } from './support/controlled-receiver.ts';
import { assertDelivered, runDelivery, until, type RunOptions } from './support/delivery-run.ts';
import { createFaultProxy, type FaultProxy } from './support/fault-proxy.ts';
import { freePorts, startTestStack, type StackFixture } from './support/stack-fixture.ts';

// Short-lived tokens the client must renew by itself during the whole matrix. The edge allows no
// clock tolerance, so a token used past its exp is refused at once; the client renews 2 s early.
const TOKEN_TTL_SECONDS = 4;
const TOKEN_REFRESH_SKEW_MS = 2000;

/**
 * The size of every read on the connections the in-process receiver accepts from now on, seen
 * through node's net.server.socket diagnostics channel (the receiver keeps its sockets private).
 */
function recordReads(port: number) {
  const sizes: number[] = [];
  const onSocket = (message: unknown) => {
    const { socket } = message as { socket: Socket };
    if (socket.localPort === port) socket.on('data', (chunk: Buffer) => sizes.push(chunk.length));
  };
  subscribe('net.server.socket', onSocket);
  return { sizes, stop: () => unsubscribe('net.server.socket', onSocket) };
}

describe('fault matrix: 0 lost, duplicates bounded by the windows in flight', () => {
  let receiver: ControlledReceiver;
  let upstream: FaultProxy;
  let edgeLink: FaultProxy;
  let fixture: StackFixture;

  before(async () => {
    receiver = await startControlledReceiver();
    upstream = await createFaultProxy({ target: { host: '127.0.0.1', port: receiver.port } });
    const ports = await freePorts();
    edgeLink = await createFaultProxy({ target: { host: '127.0.0.1', port: ports.edge } });
    fixture = await startTestStack(undefined, {
      ports,
      logstashHosts: `127.0.0.1:${upstream.port}`,
      clientTargetUrl: `ws://127.0.0.1:${edgeLink.port}/v1/tunnel`,
      tokenTtlSeconds: TOKEN_TTL_SECONDS,
      env: {
        client: { BEATS_GATE_CLIENT_TOKEN_REFRESH_SKEW_MS: String(TOKEN_REFRESH_SKEW_MS) },
        edge: { JWT_CLOCK_TOLERANCE_SECONDS: '0' },
      },
    });
  });
  after(async () => {
    await fixture?.close();
    await edgeLink?.close();
    await upstream?.close();
    await receiver?.close();
  });

  const run = async (
    options: Omit<RunOptions, 'clientPort' | 'receiver'>,
    t: { diagnostic(m: string): void },
  ) => {
    try {
      const outcome = await runDelivery({
        clientPort: fixture.stack.ports.client,
        receiver,
        ...options,
      });
      t.diagnostic(
        `acked ${outcome.result.acked}, resent ${outcome.result.resends}, connections ${outcome.result.connections}, duplicates ${outcome.duplicates}`,
      );
      assertDelivered(outcome, options.batchSize);
      return outcome;
    } catch (error) {
      t.diagnostic(fixture.logs.slice(-60).join('\n'));
      throw error;
    }
  };
  /** Resolves once a third of the run has reached the receiver: the fault lands mid-run. */
  const midRun = (runId: string, count: number) =>
    until(() => receiver.countRun(runId) >= count / 3, 60_000, `a third of ${runId}`);

  it('unwrapper killed mid-batch and restarted', async (t) => {
    const count = 60_000;
    const outcome = await run(
      {
        count,
        fault: async (runId) => {
          await midRun(runId, count);
          await fixture.stack.kill('unwrapper');
          await fixture.stack.start('unwrapper');
        },
      },
      t,
    );
    assert.ok(outcome.result.connections > 1, 'the fault did not break the connection');
  });

  it('receiver killed mid-batch and restarted', async (t) => {
    const count = 60_000;
    const outcome = await run(
      {
        count,
        fault: async (runId) => {
          await midRun(runId, count);
          await receiver.kill();
          await sleep(300);
          await receiver.restart();
        },
      },
      t,
    );
    assert.ok(outcome.result.connections > 1);
  });

  it('client killed and restarted', async (t) => {
    const count = 60_000;
    const outcome = await run(
      {
        count,
        fault: async (runId) => {
          await midRun(runId, count);
          await fixture.stack.kill('client');
          await fixture.stack.start('client');
        },
      },
      t,
    );
    assert.ok(outcome.result.connections > 1);
  });

  it('WebSocket reset between client and edge', async (t) => {
    const count = 60_000;
    const outcome = await run(
      {
        count,
        fault: async (runId) => {
          await midRun(runId, count);
          edgeLink.resetAll();
        },
      },
      t,
    );
    assert.ok(outcome.result.connections > 1);
  });

  it('every write cut into 1-byte pieces in both directions, on both links', async (t) => {
    edgeLink.mode = 'chop';
    upstream.mode = 'chop';
    const reads = recordReads(receiver.port);
    try {
      await run({ count: 6_000, timeoutMs: 20_000 }, t);
    } finally {
      reads.stop();
      edgeLink.mode = 'pass';
      upstream.mode = 'pass';
    }
    // The receiver runs in this process, so its reads can be seen: every one was a single byte.
    t.diagnostic(`${reads.sizes.length} reads at the receiver`);
    assert.ok(reads.sizes.length > 1000, `only ${reads.sizes.length} reads at the receiver`);
    assert.equal(Math.max(...reads.sizes), 1, 'the receiver read more than one byte at once');
  });

  it('receiver stalled longer than the sender timeout', async (t) => {
    const count = 30_000;
    const timeoutMs = 1500;
    const outcome = await run(
      {
        count,
        timeoutMs,
        fault: async (runId) => {
          await midRun(runId, count);
          upstream.mode = 'stall';
          await sleep(timeoutMs * 2);
          upstream.mode = 'pass';
        },
      },
      t,
    );
    assert.ok(outcome.result.connections > 1, 'the sender never timed out');
  });

  it('receiver sending only keep-alives for 20 s: the batch is held open, nothing resent', async (t) => {
    const count = 10_000;
    const outcome = await run(
      {
        count,
        // Longer than the 5 s keep-alive interval, far shorter than the 20 s hold.
        timeoutMs: 8000,
        fault: async (runId) => {
          await midRun(runId, count);
          receiver.hold();
          await sleep(20_000);
          receiver.release();
        },
      },
      t,
    );
    assert.equal(outcome.result.resends, 0, 'keep-alives did not reach the sender in time');
    assert.equal(outcome.result.connections, 1);
  });

  it('the dev token expires and rotates during the run', async (t) => {
    const count = 60_000;
    const firstLog = fixture.logs.length;
    const outcome = await run(
      {
        count,
        fault: async (runId) => {
          await midRun(runId, count);
          // Outlive the token the running tunnel was opened with, then force new handshakes: a
          // client that does not renew presents it again, and the edge (no clock tolerance)
          // refuses it as expired.
          receiver.hold();
          await sleep((TOKEN_TTL_SECONDS + 1) * 1000);
          receiver.release();
          edgeLink.resetAll();
        },
        timeoutMs: 15_000,
      },
      t,
    );
    assert.ok(outcome.result.connections > 1);
    const edgeLines = fixture.logs.slice(firstLog).filter((line) => line.startsWith('[edge]'));
    assert.ok(
      !edgeLines.some((line) => line.includes('EXPIRED')),
      'the client presented an expired token instead of renewing it',
    );
  });

  it('edge restarted', async (t) => {
    const count = 60_000;
    const outcome = await run(
      {
        count,
        fault: async (runId) => {
          await midRun(runId, count);
          await fixture.stack.stop('edge');
          await fixture.stack.start('edge');
        },
      },
      t,
    );
    assert.ok(outcome.result.connections > 1);
  });

  it('upstream refusing connections for a while', async (t) => {
    const count = 60_000;
    const outcome = await run(
      {
        count,
        fault: async (runId) => {
          await midRun(runId, count);
          upstream.mode = 'refuse';
          upstream.resetAll();
          await sleep(2000);
          upstream.mode = 'pass';
        },
      },
      t,
    );
    assert.ok(outcome.result.connections > 1);
  });
});
