// Lumberjack-aware mode on real sockets: stamped vectors get exactly the byte tunnel's acks and
// every event carries the verified identity with every other field unchanged; validate mode is
// byte-exact; a bad stream closes with its code and reason and Logstash never gets the bad window
// whole;
// a sender run through stamp mode loses nothing; the tenant claim picks the upstream group.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  checkDelivery,
  createDecoder,
  createSender,
  encodeJson,
  encodeWindow,
  generateEvents,
} from '@beats-gate/lumberjack';
import { openIdentityTunnel, startIdentityBridge } from './helpers/identity-bridge.ts';
import { completeWindows } from '../src/inspect/test-support.ts';
import {
  closed,
  readBytes,
  startUnwrapper,
  waitFor,
  within,
  type Harness,
} from './helpers/harness.ts';
import { useFixtures, type LogstashFixture } from './helpers/fixtures.ts';

const vectors = resolve(import.meta.dirname, '../../lumberjack/test/vectors');
const read = (name: string) => readFileSync(resolve(vectors, name));

function decodeEvents(bytes: Buffer): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (const frame of createDecoder().push(bytes))
    if (frame.type === 'json') events.push(frame.event);
  return events;
}

describe('stamp mode against the lumberjack receiver', () => {
  const fixtures = useFixtures();
  let logstash: LogstashFixture;
  let harness: Harness;

  before(async () => {
    logstash = await fixtures.logstash();
    harness = await fixtures.unwrapper({
      upstreams: [{ host: '127.0.0.1', port: logstash.port }],
      maxTunnelsPerSubject: 100,
      inspect: 'stamp',
      inspectClaims: ['tenant'],
    });
  });

  for (const name of ['v2-uncompressed-2x500', 'v2-zlib3-3x2048']) {
    it(`${name}: acks exactly as recorded, identity in every event, the rest unchanged`, async () => {
      const upload = read(`${name}.beat-to-logstash.bin`);
      const acks = read(`${name}.logstash-to-beat.bin`);
      const first = logstash.memory.events.length;
      const ws = await openIdentityTunnel(harness.url, {
        subject: `dev-${name}`,
        // Claims the edge passed on: only those listed in inspectClaims are stamped.
        claims: { tenant: 'acme', other: 'not listed' },
      });
      const replies: Buffer[] = [];
      ws.on('message', (data: Buffer) => replies.push(data));
      for (let offset = 0; offset < upload.length; offset += 5000) {
        ws.send(upload.subarray(offset, offset + 5000));
      }
      await waitFor(() => Buffer.concat(replies).length >= acks.length, 'acks');
      assert.deepEqual(Buffer.concat(replies), acks);
      ws.close();
      const opened = harness.logs.findLast((l) => l.event === 'tunnel_opened');
      const expected = decodeEvents(upload);
      const got = logstash.memory.events.slice(first);
      assert.equal(got.length, expected.length);
      got.forEach((event, i) => {
        const { '@metadata': meta, ...rest } = event as { '@metadata': Record<string, unknown> };
        assert.deepEqual(meta, {
          beats_gate: {
            subject: `dev-${name}`,
            tunnel_id: opened?.connectionId,
            claims: { tenant: 'acme' },
          },
        });
        assert.deepEqual(rest, expected[i]);
      });
    });
  }

  /** Sends one window of one event as `subject`; returns the event Logstash acknowledged. */
  async function stampOne(subject: string, json: string) {
    const first = logstash.memory.events.length;
    const ws = await openIdentityTunnel(harness.url, { subject });
    const ack = within(
      new Promise<Buffer>((resolve) => ws.once('message', resolve)),
      "Logstash's ack",
    );
    ws.send(Buffer.concat([encodeWindow(1), encodeJson(1, json)]));
    assert.deepEqual(await ack, Buffer.from('324100000001', 'hex'));
    ws.close();
    return logstash.memory.events[first] as Record<string, Record<string, unknown>>;
  }

  it('a spoofed field is overwritten; the device cannot choose its subject', async () => {
    const event = await stampOne(
      'real',
      '{"@metadata":{"beat":"filebeat","beats_gate":{"subject":"spoofed"}},"message":"x"}',
    );
    const metadata = event['@metadata']!;
    assert.equal((metadata.beats_gate as { subject: string }).subject, 'real');
    assert.equal(metadata.beat, 'filebeat');
  });

  it('the stamp keeps every member where the device put it, @metadata included', async () => {
    const event = await stampOne(
      'ordered',
      '{"a":1,"@metadata":{"beat":"filebeat","type":"_doc"},"message":"x"}',
    );
    assert.deepEqual(Object.keys(event), ['a', '@metadata', 'message']);
    assert.deepEqual(Object.keys(event['@metadata']!), ['beat', 'type', 'beats_gate']);
    assert.equal((event['@metadata']!.beats_gate as { subject: string }).subject, 'ordered');
  });

  it('meters events by upstream group: a configured tenant by name, the rest as (default)', async () => {
    const local = await startUnwrapper({
      upstreams: [{ host: '127.0.0.1', port: logstash.port }],
      upstreamGroups: { acme: [{ host: '127.0.0.1', port: logstash.port }] },
      inspect: 'stamp',
    });
    for (const [tenant, events] of [
      ['acme', 3],
      ['not-a-group', 2],
    ] as const) {
      const ws = await openIdentityTunnel(local.url, { claims: { tenant } });
      const ack = within(new Promise((resolve) => ws.once('message', resolve)), 'the ack');
      const frames = Array.from({ length: events }, (_, i) => encodeJson(i + 1, '{"m":1}'));
      ws.send(Buffer.concat([encodeWindow(events), ...frames]));
      await ack;
      ws.close();
    }
    const metered = (upstream_group: string) =>
      local.metric('beats_gate_unwrapper_events_total', { mode: 'stamp', upstream_group });
    assert.equal(await metered('acme'), 3);
    assert.equal(await metered('(default)'), 2);
    assert.equal(await metered('not-a-group'), 0);
    await local.unwrapper.close();
  });

  it('a Filebeat-like sender delivers every event through stamp mode, tagged on mismatch', async () => {
    const local = await startUnwrapper({
      upstreams: [{ host: '127.0.0.1', port: logstash.port }],
      inspect: 'stamp',
      inspectClaimPolicy: 'tag',
      inspectHostNameClaim: 'host',
    });
    const bridge = await startIdentityBridge(
      () => local.url,
      () => ({ claims: { host: 'elsewhere' } }),
    );
    const runId = 'stamped-run';
    const count = 20_000;
    const first = logstash.memory.events.length;
    const sender = createSender({ host: '127.0.0.1', port: bridge.port });
    const line = () =>
      (local.logs.find((l) => l.event === 'tunnel_closed') ?? {}) as {
        inspect?: Record<string, number>;
      };
    try {
      const result = await sender.send(generateEvents(count, { runId }));
      assert.equal(result.acked, count);
      sender.close();
      await waitFor(() => line().inspect !== undefined, 'the tunnel to close');
      const report = checkDelivery({ runId, count }, logstash.memory.events.slice(first));
      assert.deepEqual(report.missing, []);
      assert.equal(report.duplicates, 0);
      const meta = (
        logstash.memory.events[first] as { '@metadata': Record<string, Record<string, unknown>> }
      )['@metadata'];
      assert.deepEqual(meta.beats_gate!.mismatch, ['host.name']);
      assert.equal(
        await local.metric('beats_gate_unwrapper_events_total', { mode: 'stamp' }),
        count,
      );
      assert.equal(await local.metric('beats_gate_unwrapper_claim_mismatches_total'), count);
      const latency = await local.unwrapper.metrics
        .getSingleMetric('beats_gate_unwrapper_ack_latency_seconds')!
        .get();
      const observed = latency.values.find((v) =>
        (v as { metricName?: string }).metricName?.endsWith('_count'),
      )?.value;
      assert.equal(observed, line().inspect?.windowsAcked ?? -1);
    } finally {
      sender.close();
      await bridge.close();
      await local.unwrapper.close();
    }
    assert.equal(line().inspect?.events, count);
    assert.equal(line().inspect?.windowsAcked, line().inspect?.windows);
  });
});

describe('validate mode and refusals against a raw upstream', () => {
  const fixtures = useFixtures();

  it('forwards the recorded bytes unchanged', async () => {
    const { upstream, harness } = await fixtures.tunnel({ inspect: 'validate' });
    const upload = read('v2-zlib3-3x2048.beat-to-logstash.bin');
    const ws = await openIdentityTunnel(harness.url);
    const logstash = await upstream.nextSocket();
    const received = readBytes(logstash, upload.length);
    for (let offset = 0; offset < upload.length; offset += 777)
      ws.send(upload.subarray(offset, offset + 777));
    assert.deepEqual(await received, upload);
    ws.close();
  });

  for (const [what, bad, code, closeCode] of [
    [
      'HTTP instead of Lumberjack',
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      'ERR_LJ_BAD_VERSION',
      1003,
    ],
    ['invalid JSON', encodeJson(2, '{"no'), 'ERR_LJ_INVALID_JSON', 1002],
    ['a window over the limit', encodeWindow(100_000), 'ERR_LJ_WINDOW_TOO_LARGE', 1009],
  ] as const) {
    it(`${what}: closes ${closeCode}, logs ${code}, Logstash gets only the window before whole`, async () => {
      const { upstream, harness } = await fixtures.tunnel({ inspect: 'stamp' });
      const ws = await openIdentityTunnel(harness.url);
      const logstash = await upstream.nextSocket();
      const chunks: Buffer[] = [];
      logstash.on('data', (chunk: Buffer) => chunks.push(chunk));
      const ended = within(
        new Promise((resolve) => logstash.once('end', resolve)),
        'the Logstash connection to end',
      );
      const closing = closed(ws);
      const good = Buffer.concat([encodeWindow(1), encodeJson(1, { message: 'ok' })]);
      ws.send(good);
      await waitFor(() => chunks.length > 0, 'the good window');
      // The bad bytes come with the start of a valid window: none of it may pass.
      ws.send(Buffer.concat([encodeWindow(2), encodeJson(1, { a: 1 }), bad]));
      const { code: got } = await closing;
      assert.equal(got, closeCode);
      await ended;
      // Frames of the bad window before the bad one may have passed; never all of its events.
      assert.equal(completeWindows(Buffer.concat(chunks)), 1);
      const line = harness.logs.find((l) => l.event === 'stream_rejected');
      assert.equal(line?.code, code);
      assert.equal(
        await harness.metric('beats_gate_unwrapper_stream_rejections_total', { code }),
        1,
      );
    });
  }

  it('the tenant claim picks the upstream group, others the default', async () => {
    const acme = await fixtures.upstream();
    const { upstream: fallback, harness } = await fixtures.tunnel({
      upstreamGroups: { acme: [{ host: '127.0.0.1', port: acme.port }] },
    });
    const a = await openIdentityTunnel(harness.url, { claims: { tenant: 'acme' } });
    await acme.nextSocket();
    const b = await openIdentityTunnel(harness.url, { claims: { tenant: 'unknown' } });
    await fallback.nextSocket();
    assert.equal(acme.sockets.length, 1);
    assert.equal(fallback.sockets.length, 1);
    a.close();
    b.close();
  });
});
