import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { encodeAck, encodeJson, encodeWindow } from '../codec/index.ts';
import { createMemorySink } from './memory-sink.ts';
import { createReceiver } from './receiver.ts';
import { connectRaw, createListLogger } from './test-support.ts';

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

/** Resolves when the server has refused the connection, during or right after the handshake. */
function refused(port: number, client?: 'rogue'): Promise<string> {
  return new Promise((resolveCode) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca,
      ...(client !== undefined
        ? { cert: fixture(`${client}.crt`), key: fixture(`${client}.key`) }
        : {}),
    });
    // Listeners go on at once: the refusal can arrive in the same read as the handshake's end.
    socket.once('error', (err: NodeJS.ErrnoException) => resolveCode(err.code ?? 'error'));
    socket.once('close', () => resolveCode('closed'));
    // TLS 1.3: the client may finish its handshake before the server checks the certificate.
    socket.once('secureConnect', () =>
      socket.write(Buffer.concat([encodeWindow(1), encodeJson(1, { a: 1 })])),
    );
  });
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
    await refused(port);
    assert.equal(memory.events.length, before);
    await logger.waitFor((l) => l.event === 'tls_error');
  });

  it('refuses a client whose certificate another CA signed', async () => {
    const before = memory.events.length;
    await refused(port, 'rogue');
    assert.equal(memory.events.length, before);
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
