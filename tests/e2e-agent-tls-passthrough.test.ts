/**
 * TLS passed through: an agent whose Logstash output has SSL on, pointed at a plain client
 * listener, keeps its TLS session end to end. The byte tunnel (client → edge in workerd →
 * unwrapper in byte mode) carries the handshake and the records unchanged to a receiver that
 * terminates TLS and requires a client certificate, as Fleet's Logstash output with
 * `ssl_client_authentication => required` does. The agent dials 127.0.0.1, so the name it checks
 * is 127.0.0.1 whatever Logstash's certificate names (docs/elastic-agent.md).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  checkDelivery,
  createMemorySink,
  createReceiver,
  type Receiver,
} from '@beats-gate/lumberjack';
import {
  createCertificateKit,
  type CertificateKit,
  type Issued,
} from '../client/test/tls-certificates.ts';
import { startTestStack, type StackFixture } from './support/stack-fixture.ts';

const sendBin = resolve(import.meta.dirname, '../lumberjack/bin/beats-gate-send.ts');

/** Runs beats-gate-send to the end (it gives up by itself: --max-attempts). */
function send(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [sendBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
}

describe('TLS passed through the byte tunnel to a receiver that terminates it', () => {
  let kit: CertificateKit;
  let receiver: Receiver;
  let fixture: StackFixture;
  let ca: Issued;
  let agent: Issued;
  const { sink, events } = createMemorySink();
  before(async () => {
    kit = await createCertificateKit();
    ca = await kit.authority('logstash-ca');
    // Logstash's own certificate names Logstash's host, not the 127.0.0.1 the agent dials.
    const [logstash, client] = await Promise.all([
      kit.issue(ca, 'logstash', { san: 'DNS:logstash.internal' }),
      kit.issue(ca, 'elastic-agent', { san: 'DNS:elastic-agent' }),
    ]);
    agent = client;
    const [cert, key, trust] = await Promise.all(
      [logstash.cert, logstash.key, ca.cert].map((file) => readFile(file)),
    );
    receiver = createReceiver({
      port: 0,
      sink,
      tls: { cert: cert!, key: key!, ca: trust!, verifyClients: true },
    });
    const { port } = await receiver.listen();
    fixture = await startTestStack(undefined, { logstashHosts: `127.0.0.1:${port}` });
  });
  after(async () => {
    await fixture?.close();
    await receiver?.close();
    await kit?.remove();
  });

  /** Two attempts: the sender logs the first failure's cause before it gives up. */
  const retryOnce = ['--max-attempts', '2', '--backoff-initial-ms', '0', '--backoff-max-ms', '0'];
  const target = () => `127.0.0.1:${fixture.stack.ports.client}`;
  const agentTls = () => [
    '--tls-ca-file',
    ca.cert,
    '--tls-cert-file',
    agent.cert,
    '--tls-key-file',
    agent.key,
  ];

  it('delivers every event with the client certificate checked by the receiver', async () => {
    const runId = `passthrough-${Date.now()}`;
    const count = 5000;
    const result = await send([
      ...agentTls(),
      // The chain is verified and a name too: Logstash's, since no certificate of Logstash can
      // name every device's 127.0.0.1 (Beats: ssl.verification_mode: certificate).
      '--tls-servername',
      'logstash.internal',
      '--count',
      String(count),
      '--batch',
      '1000',
      '--run-id',
      runId,
      '--max-attempts',
      '3',
      '--json',
      target(),
    ]);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { acked: number; ok: boolean };
    assert.equal(summary.acked, count);
    const report = checkDelivery({ runId, count }, events);
    assert.deepEqual(report.missing, []);
    assert.equal(report.delivered, count);
  });

  it('fails full verification when the certificate does not name 127.0.0.1, which the agent dials', async () => {
    const result = await send([...agentTls(), ...retryOnce, '--count', '10', target()]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /ERR_TLS_CERT_ALTNAME_INVALID|IP: 127\.0\.0\.1 is not in the cert's list/,
    );
  });

  it('is refused by the receiver without a client certificate: the TLS alert crosses the tunnel', async () => {
    const result = await send([
      '--tls-ca-file',
      ca.cert,
      '--tls-servername',
      'logstash.internal',
      ...retryOnce,
      '--count',
      '10',
      target(),
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED/);
  });
});
