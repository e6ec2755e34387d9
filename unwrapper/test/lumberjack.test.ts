// The tunnel between the project's own Filebeat-compatible sender and Logstash-compatible
// receiver: recorded vectors get the recorded acks, every event arrives, and an upstream dying
// mid-batch closes the tunnel so the sender resends (duplicates allowed, loss never).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { checkDelivery, createSender, generateEvents } from '@beats-gate/lumberjack';
import { startBridge, startKillingRelay } from './helpers/bridge.ts';
import { openTunnel, startUnwrapper, waitFor, within, type Harness } from './helpers/harness.ts';
import { useFixtures, type LogstashFixture } from './helpers/fixtures.ts';

const vectors = resolve(import.meta.dirname, '../../lumberjack/test/vectors');
/** A few seconds on loopback; a tunnel that loses a window makes the sender retry forever. */
const SEND_LIMIT_MS = 30_000;

describe('lumberjack through the unwrapper', () => {
  const fixtures = useFixtures();
  let logstash: LogstashFixture;
  let harness: Harness;

  before(async () => {
    logstash = await fixtures.logstash();
    harness = await fixtures.unwrapper({
      upstreams: [{ host: '127.0.0.1', port: logstash.port }],
      maxTunnelsPerSubject: 100,
    });
  });

  for (const name of ['v2-uncompressed-2x500', 'v2-zlib3-3x2048']) {
    it(`${name}: the receiver's acks come back exactly as recorded`, async () => {
      const upload = readFileSync(resolve(vectors, `${name}.beat-to-logstash.bin`));
      const acks = readFileSync(resolve(vectors, `${name}.logstash-to-beat.bin`));
      const ws = await openTunnel(harness.url, { subject: name });
      const replies: Buffer[] = [];
      ws.on('message', (data: Buffer) => replies.push(data));
      for (let offset = 0; offset < upload.length; offset += 4096) {
        ws.send(upload.subarray(offset, offset + 4096));
      }
      await waitFor(() => Buffer.concat(replies).length >= acks.length, 'acks');
      assert.deepEqual(Buffer.concat(replies), acks);
      ws.close();
    });
  }

  it('a sender delivers every event through the tunnel', async () => {
    const bridge = await startBridge(harness.url, 'sender');
    const runId = 'through';
    const count = 20_000;
    const sender = createSender({ host: '127.0.0.1', port: bridge.port, batchSize: 1000 });
    try {
      const result = await within(
        sender.send(generateEvents(count, { runId })),
        'every event acknowledged',
        SEND_LIMIT_MS,
      );
      assert.equal(result.acked, count);
      const report = checkDelivery({ runId, count }, logstash.memory.events);
      assert.deepEqual(report.missing, []);
      assert.equal(report.delivered, count);
    } finally {
      sender.close();
      await bridge.close();
    }
  });

  it('Logstash dying mid-batch closes the tunnel at once and the sender resends: 0 lost', async () => {
    const relay = await startKillingRelay(logstash.port, 200_000);
    const local = await startUnwrapper({ upstreams: [{ host: '127.0.0.1', port: relay.port }] });
    const bridge = await startBridge(local.url, 'killed');
    const runId = 'killed';
    const count = 30_000;
    const sender = createSender({
      host: '127.0.0.1',
      port: bridge.port,
      batchSize: 2048,
      compressionLevel: 0,
      backoffInitialMs: 10,
      backoffMaxMs: 50,
    });
    try {
      const result = await within(
        sender.send(generateEvents(count, { runId })),
        'every event acknowledged',
        SEND_LIMIT_MS,
      );
      assert.equal(relay.kills, 1);
      assert.ok(result.connections >= 2, 'the sender had to reconnect');
      const report = checkDelivery({ runId, count }, logstash.memory.events);
      assert.deepEqual(report.missing, []);
      assert.equal(report.delivered, count);
      const killed = local.logs.find((l) => l.event === 'tunnel_closed');
      assert.equal(killed?.closedBy, 'logstash');
      assert.equal(killed?.closeCode, 1014);
    } finally {
      sender.close();
      await bridge.close();
      await local.unwrapper.close();
      await relay.close();
    }
  });
});
