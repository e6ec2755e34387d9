/**
 * Elastic Agent with SSL on, in front of the unwrapper's Lumberjack-aware mode. With TLS ended on
 * the client's listener the gate sees plain Lumberjack and stamps the verified identity as usual.
 * With TLS passed through, the gate sees only ciphertext: it refuses the ClientHello with a close
 * code and a log line that name this exact mistake and its two fixes.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient, type Client } from '@beats-gate/client';
import { CloseCode } from '@beats-gate/protocol';
import { createSender, generateEvents } from '@beats-gate/lumberjack';
import {
  createCertificateKit,
  type CertificateKit,
  type Issued,
} from '../client/test/tls-certificates.ts';
import { mintDevToken } from '../dev/dev-keys.ts';
import { clientConfig } from './support/client-config.ts';
import { until } from './support/delivery-run.ts';
import { useStackWithReceiver } from './support/stack-fixture.ts';

describe('Elastic Agent with SSL on, and the Lumberjack-aware unwrapper', () => {
  const state = useStackWithReceiver({
    subject: 'agent-42',
    unwrapper: { BEATS_GATE_UNWRAPPER_INSPECT: 'stamp' },
  });
  let kit: CertificateKit;
  let ca: Issued;
  let agent: Issued;
  const clients: Client[] = [];
  before(async () => {
    kit = await createCertificateKit();
    ca = await kit.authority('device-ca');
    agent = await kit.issue(ca, 'elastic-agent', { san: 'DNS:elastic-agent' });
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close(100)));
    await kit?.remove();
  });

  it('stamps every event of an agent whose TLS the client listener ends', async () => {
    const { fixture, receiver } = state;
    const listener = await kit.issue(ca, 'listener');
    const tokenFile = join(kit.dir, 'token');
    await writeFile(tokenFile, await mintDevToken(fixture.keys, { sub: 'agent-42' }));
    const client = createClient(
      clientConfig([
        '--url',
        `ws://127.0.0.1:${fixture.stack.ports.edge}/v1/tunnel`,
        '--listen',
        '127.0.0.1:0',
        '--token-file',
        tokenFile,
        '--log-level',
        'silent',
        '--listen-tls-cert-file',
        listener.cert,
        '--listen-tls-key-file',
        listener.key,
        '--listen-tls-ca-file',
        ca.cert,
      ]),
    );
    clients.push(client);
    const { listeners } = await client.listen();
    const runId = `aware-tls-${Date.now()}`;
    const count = 3000;
    const [trust, cert, key] = await Promise.all(
      [ca.cert, agent.cert, agent.key].map((file) => readFile(file, 'utf8')),
    );
    const sender = createSender({
      host: '127.0.0.1',
      port: listeners[0]!.port,
      tls: { ca: trust!, cert: cert!, key: key! },
      batchSize: 1000,
    });
    try {
      assert.equal((await sender.send(generateEvents(count, { runId }))).acked, count);
    } finally {
      sender.close();
    }
    assert.deepEqual(receiver.report(runId, count).missing, []);
    const stamped = receiver.events.filter((event) => event.run === runId);
    for (const event of stamped) {
      const identity = (event['@metadata'] as Record<string, Record<string, unknown>>).beats_gate;
      assert.equal(identity?.subject, 'agent-42');
    }
  });

  it('refuses a TLS ClientHello passed through, naming the mistake in the close code and log', async () => {
    const { fixture, receiver } = state;
    const trust = await readFile(ca.cert, 'utf8');
    const before = fixture.logs.length;
    const sender = createSender({
      host: '127.0.0.1',
      port: fixture.stack.ports.client,
      tls: { ca: trust, rejectUnauthorized: false },
      maxAttempts: 1,
      timeoutMs: 10_000,
    });
    try {
      await assert.rejects(sender.send(generateEvents(10, { runId: 'tls-into-aware' })));
    } finally {
      sender.close();
    }
    const lines = () => fixture.logs.slice(before);
    await until(
      () => lines().some((line) => line.includes('"event":"stream_rejected"')),
      10_000,
      'the unwrapper to reject the stream',
    );
    const rejected = parse(lines().find((line) => line.includes('"event":"stream_rejected"'))!);
    assert.equal(rejected.code, 'ERR_INSPECT_TLS_CLIENT_HELLO');
    assert.equal(rejected.closeCode, CloseCode.UNSUPPORTED_DATA);
    assert.match(String(rejected.reason), /TLS ClientHello.*--listen-tls-cert-file.*inspect=off/);
    await until(
      () => lines().some((line) => line.startsWith('[client]') && line.includes('"tunnel_closed"')),
      10_000,
      "the client's tunnel_closed line",
    );
    const closed = parse(
      lines().find((line) => line.startsWith('[client]') && line.includes('"tunnel_closed"'))!,
    );
    assert.equal(closed.closeCode, CloseCode.UNSUPPORTED_DATA);
    assert.match(String(closed.closeReason), /TLS ClientHello/);
    assert.equal(receiver.countRun('tls-into-aware'), 0);
  });
});

function parse(line: string): Record<string, unknown> {
  return JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>;
}
