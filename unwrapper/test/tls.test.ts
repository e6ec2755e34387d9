// TLS on both sides: to Logstash with a CA, SNI and a client certificate; and a public listener
// that requires client certificates (Cloudflare Authenticated Origin Pulls).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMemorySink, createReceiver, type Receiver } from '@beats-gate/lumberjack';
import { TUNNEL_PATH } from '@beats-gate/protocol';
import { WebSocket } from 'ws';
import type { UnwrapperOptions } from '../src/index.ts';
import { hasOpenssl, makeCerts, type TestCerts } from './helpers/certs.ts';
import { openTunnel, waitFor, type Harness, type RawUpstream } from './helpers/harness.ts';
import { useFixtures } from './helpers/fixtures.ts';

const vectors = resolve(import.meta.dirname, '../../lumberjack/test/vectors');
const upload = readFileSync(resolve(vectors, 'v2-zlib3-3x2048.beat-to-logstash.bin'));
const acks = readFileSync(resolve(vectors, 'v2-zlib3-3x2048.logstash-to-beat.bin'));

describe('TLS', { skip: hasOpenssl() ? false : 'openssl CLI not available' }, () => {
  let certs: TestCerts;
  let receiver: Receiver;
  let receiverPort: number;
  const fixtures = useFixtures();

  before(async () => {
    certs = makeCerts();
    receiver = createReceiver({
      port: 0,
      sink: createMemorySink().sink,
      tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, verifyClients: true },
    });
    receiverPort = (await receiver.listen()).port;
  });
  // Registered after useFixtures(): the unwrappers close before the receiver they dial.
  after(() => receiver.close());

  function start(options: Partial<UnwrapperOptions>): Promise<Harness> {
    return fixtures.unwrapper({
      upstreams: [{ host: '127.0.0.1', port: receiverPort }],
      ...options,
    });
  }

  it('reaches a Logstash that requires client certificates, with the CA and SNI', async () => {
    const harness = await start({
      upstreamTls: {
        ca: certs.ca,
        cert: certs.clientCert,
        key: certs.clientKey,
        servername: 'localhost',
      },
    });
    const ws = await openTunnel(harness.url);
    const replies: Buffer[] = [];
    ws.on('message', (data: Buffer) => replies.push(data));
    ws.send(upload);
    await waitFor(() => Buffer.concat(replies).length >= acks.length, 'acks over TLS');
    assert.deepEqual(Buffer.concat(replies), acks);
    ws.close();
  });

  it('refuses with 502 when Logstash presents a certificate from another CA', async () => {
    const harness = await start({
      upstreamTls: { ca: certs.otherCa, cert: certs.clientCert, key: certs.clientKey },
    });
    await assert.rejects(
      openTunnel(harness.url),
      (error: Error & { status?: number }) => error.status === 502,
    );
    assert.equal(
      await harness.metric('beats_gate_unwrapper_upstream_connect_failures_total', {
        reason: 'TLS',
      }),
      1,
    );
  });

  describe('public listener with client certificates', () => {
    let upstream: RawUpstream;
    let harness: Harness;
    before(async () => {
      ({ upstream, harness } = await fixtures.tunnel({
        tls: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.ca },
      }));
    });

    function url() {
      return `wss://127.0.0.1:${harness.unwrapper.addresses.public!.port}${TUNNEL_PATH}`;
    }

    it('accepts a client with a certificate from the configured CA', async () => {
      const ws = await openTunnel(url(), {
        tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey },
      });
      assert.equal(ws.readyState, WebSocket.OPEN);
      await upstream.nextSocket();
      ws.close();
    });

    it('refuses a client without a certificate before any upstream contact', async () => {
      const before = upstream.sockets.length;
      const dialled = () => harness.metric('beats_gate_unwrapper_upstream_connections_total');
      const dialledBefore = await dialled();
      await assert.rejects(
        openTunnel(url(), { tls: { ca: certs.ca } }),
        (error: NodeJS.ErrnoException & { status?: number }) => {
          // Refused by the TLS layer, not by an HTTP status after it: the server's alert, or the
          // reset that can overtake the alert when the server closes before reading the request.
          assert.equal(error.status, undefined, 'refused with an HTTP status, after TLS');
          assert.ok(
            error.code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' ||
              error.code === 'ECONNRESET',
            `expected the certificate-required alert, got ${error.code}: ${error.message}`,
          );
          return true;
        },
      );
      assert.equal(upstream.sockets.length, before);
      assert.equal(await dialled(), dialledBefore);
    });
  });
});
