// Each upstream step against real sockets on loopback: a plain Logstash stand-in, a closed port,
// and TLS servers with the right CA, a foreign CA, and TLS configured against plain TCP.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { within } from '@beats-gate/kit';
import { hasOpenssl, makeCerts, type TestCerts } from '../../test/helpers/certs.ts';
import { startLoopbackServer, type LoopbackServer } from '../../test/helpers/loopback-server.ts';
import { listUpstreams, upstreamStep } from './upstream-step.ts';

const signal = new AbortController().signal;
const plain = { upstreamConnectTimeoutMs: 2000 };

/** A stand-in Logstash that hands each connection to the test. */
async function startUpstream(onSocket: (socket: Socket) => void = () => {}) {
  const sockets: Socket[] = [];
  const server = await startLoopbackServer((socket) => {
    socket.on('error', () => {});
    sockets.push(socket);
    onSocket(socket);
  });
  return { ...server, sockets };
}

async function closedPort(): Promise<number> {
  const upstream = await startLoopbackServer(() => {});
  await upstream.close();
  return upstream.port;
}

describe('upstream step', () => {
  const received: Buffer[] = [];
  let probeClosed: (value?: unknown) => void;
  const closed = new Promise((resolve) => (probeClosed = resolve));
  let upstream: LoopbackServer;
  before(async () => {
    upstream = await startUpstream((socket) => {
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('close', () => probeClosed());
    });
  });
  after(() => upstream.close());

  it('connects, says so, and closes without sending a byte', async () => {
    const step = upstreamStep({ host: '127.0.0.1', port: upstream.port }, ['default'], plain);
    assert.equal(step.name, `upstream 127.0.0.1:${upstream.port}`);
    const outcome = await step.run(signal);
    assert.deepEqual(outcome, {
      ok: true,
      detail: 'TCP connected to 127.0.0.1 (no TLS configured)',
    });
    await within(closed, 'the probe connection to reach Logstash and close');
    assert.equal(Buffer.concat(received).length, 0);
  });

  it('names a stopped Logstash and how to fix it', async () => {
    const port = await closedPort();
    const outcome = await upstreamStep({ host: '127.0.0.1', port }, ['acme'], plain).run(signal);
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok);
    assert.equal(
      outcome.problem,
      `127.0.0.1:${port} refused the connection: no Logstash listens there`,
    );
    assert.match(outcome.fix, /start Logstash's beats input on 127\.0\.0\.1:\d+, or remove it/);
  });

  it('names the groups an upstream serves, listing each address once', () => {
    const a = { host: '10.0.0.1', port: 5044 };
    const b = { host: '10.0.0.2', port: 5044 };
    const listed = listUpstreams({ upstreams: [a], upstreamGroups: { acme: [a, b], globex: [b] } });
    assert.deepEqual(listed, [
      { target: a, groups: ['default', 'acme'] },
      { target: b, groups: ['acme', 'globex'] },
    ]);
    assert.equal(
      upstreamStep(b, ['acme', 'globex'], plain).name,
      'upstream 10.0.0.2:5044 [acme, globex]',
    );
  });
});

describe(
  'upstream step with TLS',
  { skip: hasOpenssl() ? false : 'openssl CLI not available' },
  () => {
    let certs: TestCerts;
    let server: TlsServer;
    let port: number;
    before(async () => {
      certs = makeCerts();
      server = createTlsServer({ cert: certs.serverCert, key: certs.serverKey }, (socket) => {
        socket.on('error', () => {});
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      port = (server.address() as AddressInfo).port;
    });
    after(() => server.close());

    it("verifies Logstash's certificate with the CA and reports its subject and expiry", async () => {
      const config = { ...plain, upstreamTls: { ca: certs.ca } };
      const outcome = await upstreamStep({ host: '127.0.0.1', port }, ['default'], config).run(
        signal,
      );
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.match(
        outcome.detail,
        /^TLS verified \(TLSv1\.\d\), certificate CN=server, expires 20\d\d-.* \(in [12] days?\)$/,
      );
    });

    it('fails with a certificate signed by another CA, pointing at upstreamCaFile', async () => {
      const config = { ...plain, upstreamTls: { ca: certs.otherCa } };
      const outcome = await upstreamStep({ host: '127.0.0.1', port }, ['default'], config).run(
        signal,
      );
      assert.ok(!outcome.ok);
      assert.match(outcome.problem, new RegExp(`^TLS to 127\\.0\\.0\\.1:${port} failed`));
      assert.match(outcome.fix, /upstreamCaFile/);
    });

    it('fails when TLS is configured but Logstash speaks plain TCP', async () => {
      const upstream = await startUpstream((socket) => socket.end());
      try {
        const config = { ...plain, upstreamTls: { ca: certs.ca } };
        const target = { host: '127.0.0.1', port: upstream.port };
        const outcome = await upstreamStep(target, ['default'], config).run(signal);
        assert.ok(!outcome.ok);
        assert.match(outcome.problem, /^TLS to 127\.0\.0\.1:\d+ failed/);
        assert.match(outcome.fix, /ssl_enabled => true, or turn upstreamTls off/);
      } finally {
        await upstream.close();
      }
    });
  },
);
