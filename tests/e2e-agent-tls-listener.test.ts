/**
 * Elastic Agent (or a Beat) with SSL on its Logstash output, pointed at the client: the client's
 * listener terminates TLS, checks the agent's client certificate when asked to, and tunnels the
 * Lumberjack bytes through the real edge (workerd), unwrapper and receiver. Certificates are made
 * with openssl as docs/elastic-agent.md shows; the client runs in-process so its log can be read.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { createClient, type Client } from '@beats-gate/client';
import { createLogCapture, within, type LogCapture } from '@beats-gate/kit';
import {
  checkDelivery,
  createDecoder,
  createSender,
  encodeAck,
  encodeJson,
  encodeWindow,
  generateEvents,
  type SenderTlsOptions,
} from '@beats-gate/lumberjack';
import {
  createCertificateKit,
  type CertificateKit,
  type Issued,
} from '../client/test/tls-certificates.ts';
import { mintDevToken } from '../dev/dev-keys.ts';
import { clientConfig } from './support/client-config.ts';
import { startTestStack, type StackFixture } from './support/stack-fixture.ts';

describe('TLS on the client listener, through the whole chain', () => {
  let fixture: StackFixture;
  let kit: CertificateKit;
  let ca: Issued;
  let listener: Issued;
  let agent: Issued;
  let rogue: Issued;
  let tokenFile: string;
  const clients: Client[] = [];
  before(async () => {
    [fixture, kit] = await Promise.all([startTestStack(undefined), createCertificateKit()]);
    ca = await kit.authority('device-ca');
    const rogueCa = await kit.authority('rogue-ca');
    [listener, agent, rogue] = await Promise.all([
      kit.issue(ca, 'listener'),
      kit.issue(ca, 'elastic-agent', { san: 'DNS:elastic-agent' }),
      kit.issue(rogueCa, 'rogue-agent', { san: 'DNS:rogue-agent' }),
    ]);
    tokenFile = join(kit.dir, 'token');
    await writeFile(tokenFile, await mintDevToken(fixture.keys, { sub: 'agent-device' }));
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close(100)));
    await fixture?.close();
    await kit?.remove();
  });

  const servedBy = (issued: Issued) => [
    '--listen-tls-cert-file',
    issued.cert,
    '--listen-tls-key-file',
    issued.key,
  ];

  async function startClient(...tlsArgs: string[]) {
    const capture = createLogCapture({ service: 'beats-gate-client', level: 'info' });
    const argv = [
      '--url',
      `ws://127.0.0.1:${fixture.stack.ports.edge}/v1/tunnel`,
      '--listen',
      '127.0.0.1:0',
      '--token-file',
      tokenFile,
      ...tlsArgs,
    ];
    const client = createClient(clientConfig(argv), { logger: capture.logger });
    clients.push(client);
    const { listeners } = await client.listen();
    return { client, capture, port: listeners[0]!.port };
  }

  async function deliver(port: number, tls: SenderTlsOptions, count = 3000) {
    const runId = `agent-tls-${Math.random().toString(36).slice(2)}`;
    // One attempt: a refused Beat fails at once instead of backing off.
    const attempts = count > 10 ? 3 : 1;
    const sender = createSender({
      host: '127.0.0.1',
      port,
      tls,
      batchSize: 1000,
      maxAttempts: attempts,
    });
    try {
      assert.equal((await sender.send(generateEvents(count, { runId }))).acked, count);
    } finally {
      sender.close();
    }
    const report = checkDelivery({ runId, count }, await fixture.readEvents());
    assert.deepEqual(report.missing, []);
    assert.equal(report.delivered, count);
  }

  /** The certificate the listener serves, as a Beat sees it. */
  async function servedFingerprint(port: number): Promise<string> {
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    try {
      await new Promise((resolve, reject) => {
        socket.once('secureConnect', resolve);
        socket.once('error', reject);
      });
      return socket.getPeerCertificate().fingerprint256;
    } finally {
      socket.destroy();
    }
  }

  function refusal(capture: LogCapture, problem: string) {
    return capture.waitFor((line) => line.event === 'tls_refused' && line.problem === problem);
  }

  it('delivers every event of a Beat that speaks TLS and verifies the listener by its IP SAN', async () => {
    const { port, capture } = await startClient(...servedBy(listener));
    const listening = capture.lines.find((line) => line.event === 'listening');
    assert.deepEqual(listening?.tls, {
      subject: 'CN=listener',
      validTo: (listening?.tls as { validTo: string }).validTo,
      clientAuthentication: 'none',
    });
    await deliver(port, { ca: await readText(ca.cert) });
  });

  it('requires a client certificate signed by the CA, and names what is wrong with one', async () => {
    const { port, capture } = await startClient(
      ...servedBy(listener),
      '--listen-tls-ca-file',
      ca.cert,
    );
    const trust = await readText(ca.cert);
    await deliver(port, {
      ca: trust,
      cert: await readText(agent.cert),
      key: await readText(agent.key),
    });

    await assert.rejects(deliver(port, { ca: trust }, 10));
    const missing = await refusal(capture, 'no_client_certificate');
    assert.match(String(missing.reason), /presented no client certificate.*ssl\.certificate/);

    const stranger = { cert: await readText(rogue.cert), key: await readText(rogue.key) };
    await assert.rejects(deliver(port, { ca: trust, ...stranger }, 10));
    const untrusted = await refusal(capture, 'client_certificate_untrusted');
    assert.match(String(untrusted.reason), /"CN=rogue-agent" \(issuer "CN=rogue-ca"\)/);
    assert.ok(String(untrusted.reason).includes(ca.cert), 'the CA file is not named');
  });

  it('accepts a Beat without a certificate when client authentication is optional', async () => {
    const { port } = await startClient(
      ...servedBy(listener),
      '--listen-tls-ca-file',
      ca.cert,
      '--listen-tls-client-authentication',
      'optional',
    );
    await deliver(port, { ca: await readText(ca.cert) }, 500);
  });

  it('names the mistake when a Beat without SSL reaches a TLS listener', async () => {
    const { port, capture } = await startClient(...servedBy(listener));
    const sender = createSender({ host: '127.0.0.1', port, maxAttempts: 1, timeoutMs: 5000 });
    try {
      await assert.rejects(sender.send(generateEvents(10, { runId: 'plain-into-tls' })));
    } finally {
      sender.close();
    }
    const line = await refusal(capture, 'not_tls');
    assert.match(String(line.reason), /did not start TLS.*ssl\.enabled: true/);
  });

  it('carries a half-close: a window, then close_notify and FIN; the ack arrives, then the end', async () => {
    const { port } = await startClient(...servedBy(listener));
    const run = `tls-half-close-${Date.now()}`;
    const events = [1, 2, 3].map((seq) => ({ run, seq, message: `event ${seq}` }));
    // It keeps reading after it ends its side, as Filebeat does.
    const beat = connect({ host: '127.0.0.1', port, ca: await readText(ca.cert) });
    await within(once(beat, 'secureConnect'), 'the TLS handshake', 10_000);
    const received: Buffer[] = [];
    beat.on('data', (chunk: Buffer) => received.push(chunk));
    const ended = within(once(beat, 'end'), "Logstash's FIN at the Beat", 20_000);
    beat.end(
      Buffer.concat([encodeWindow(3), ...events.map((event, i) => encodeJson(i + 1, event))]),
    );
    await ended;
    const acks = createDecoder()
      .push(Buffer.concat(received))
      .filter((frame) => frame.type === 'ack' && frame.seq !== 0);
    assert.deepEqual(acks, createDecoder().push(encodeAck(3)));
    beat.destroy();
    assert.equal((await fixture.readEvents()).filter((event) => event.run === run).length, 3);
  });

  it('serves a renewed certificate to new connections without a restart, and keeps it when the new files are wrong', async () => {
    const certFile = join(kit.dir, 'served.crt');
    const keyFile = join(kit.dir, 'served.key');
    await Promise.all([copyFile(listener.cert, certFile), copyFile(listener.key, keyFile)]);
    const { port, capture } = await startClient(...servedBy({ cert: certFile, key: keyFile }));
    const before = await servedFingerprint(port);
    const renewed = await kit.issue(ca, 'listener-renewed');
    // Key first, then the certificate renamed into place, as a renewal script should.
    await copyFile(renewed.key, keyFile);
    await copyFile(renewed.cert, certFile);
    const reloaded = await capture.waitFor(
      (line) => line.event === 'tls_reloaded' && line.subject === 'CN=listener-renewed',
    );
    const after = await servedFingerprint(port);
    assert.notEqual(after, before);
    assert.equal(after, reloaded.fingerprint256);
    await deliver(port, { ca: await readText(ca.cert) }, 500);

    await writeFile(keyFile, 'not a key\n');
    const failed = await capture.waitFor(
      (line) => line.event === 'tls_reload_failed' && line.code === 'ERR_LISTEN_TLS_NOT_PEM',
    );
    assert.equal(failed.file, keyFile);
    assert.match(String(failed.reason), /is not PEM/);
    assert.equal(
      await servedFingerprint(port),
      after,
      'a broken key replaced the served certificate',
    );
  });
});

function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
