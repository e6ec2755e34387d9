import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { encodeAck, encodeJson, encodeWindow } from '../codec/index.ts';
import { createMemorySink } from './memory-sink.ts';
import { createReceiver } from './receiver.ts';
import { connectRaw, createListLogger, within } from './test-support.ts';

const fixture = (name: string): Buffer =>
  readFileSync(resolve(import.meta.dirname, 'test-fixtures', name));
const ca = fixture('ca.crt');

function tlsConnect(port: number, client?: 'client' | 'rogue'): Promise<TLSSocket> {
  return new Promise((resolveSocket, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca,
      ...(client !== undefined
        ? { cert: fixture(`${client}.crt`), key: fixture(`${client}.key`) }
        : {}),
    });
    socket.once('secureConnect', () => resolveSocket(socket));
    socket.once('error', reject);
  });
}

interface Outcome {
  /** The client's error code, or 'closed' when the server ended the connection without one. */
  code: string;
  /** What the server answered the window with: nothing, when it refused the client. */
  answered: Buffer;
}

/**
 * Connects, sends one window, and reports how the connection ended. A server that accepts the
 * client answers with an ack, which ends the wait at once; one that neither answers nor closes
 * fails it after the usual limit.
 */
function attempt(port: number, client?: 'rogue'): Promise<Outcome> {
  return within(
    new Promise((resolveOutcome) => {
      const socket = connect({
        host: '127.0.0.1',
        port,
        ca,
        ...(client !== undefined
          ? { cert: fixture(`${client}.crt`), key: fixture(`${client}.key`) }
          : {}),
      });
      const answered: Buffer[] = [];
      let code = 'closed';
      // Listeners go on at once: the refusal can arrive in the same read as the handshake's end.
      socket.on('data', (chunk: Buffer) => {
        answered.push(chunk);
        socket.destroy();
      });
      socket.once('error', (err: NodeJS.ErrnoException) => (code = err.code ?? 'error'));
      socket.once('close', () => resolveOutcome({ code, answered: Buffer.concat(answered) }));
      // TLS 1.3: the client may finish its handshake before the server checks the certificate.
      socket.once('secureConnect', () =>
        socket.write(Buffer.concat([encodeWindow(1), encodeJson(1, { a: 1 })])),
      );
    }),
    'the receiver to end the connection',
  );
}

describe('receiver over TLS with client certificates', { timeout: 60_000 }, () => {
  const memory = createMemorySink();
  const logger = createListLogger();
  const receiver = createReceiver({
    port: 0,
    sink: memory.sink,
    logger,
    tls: { cert: fixture('server.crt'), key: fixture('server.key'), ca, verifyClients: true },
  });
  let port = 0;
  before(async () => ({ port } = await receiver.listen()));
  after(() => receiver.close());

  it('acks a window from a client with a certificate signed by the CA', async () => {
    const client = await connectRaw(port, await tlsConnect(port, 'client'));
    await client.write(Buffer.concat([encodeWindow(1), encodeJson(1, { a: 1 })]));
    assert.deepEqual(await client.waitForBytes(6), encodeAck(1));
    assert.deepEqual(memory.events, [{ a: 1 }]);
    client.socket.end();
    assert.deepEqual(await client.closed, encodeAck(1));
  });

  it('refuses a client without a certificate, acking nothing', async () => {
    const before = memory.events.length;
    const outcome = await attempt(port);
    assert.equal(outcome.answered.length, 0, 'the receiver answered the window');
    // The server's alert, or the reset that can overtake it when the window arrives after it.
    assert.ok(
      ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ECONNRESET'].includes(outcome.code),
      `the client saw ${outcome.code}, not the certificate-required refusal`,
    );
    assert.equal(memory.events.length, before);
    await logger.waitFor(
      (l) => l.event === 'tls_error' && l.code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
    );
  });

  it('refuses a client whose certificate another CA signed', async () => {
    const before = memory.events.length;
    const tlsErrors = () => logger.lines.filter((l) => l.event === 'tls_error').length;
    const refusals = tlsErrors();
    const outcome = await attempt(port, 'rogue');
    assert.equal(outcome.answered.length, 0, 'the receiver answered the window');
    // The server ends the handshake it rejected; the client itself had nothing to object to.
    assert.ok(
      ['closed', 'ECONNRESET'].includes(outcome.code),
      `the client saw ${outcome.code}, not the server closing`,
    );
    assert.equal(memory.events.length, before);
    await logger.waitFor(() => tlsErrors() > refusals);
  });

  it('requires a CA when client verification is on', () => {
    assert.throws(
      () =>
        createReceiver({
          sink: memory.sink,
          tls: { cert: fixture('server.crt'), key: fixture('server.key'), verifyClients: true },
        }),
      /tls.verifyClients needs tls.ca/,
    );
  });
});
