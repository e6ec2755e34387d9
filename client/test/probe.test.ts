import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  createListenerDialer,
  createTokenProvider,
  probeTunnel,
  type NetworkSettings,
  type ProbeResult,
  type TokenSource,
} from '../src/index.ts';
import {
  fakeJwt,
  fixtures,
  forwardTo,
  startEdge,
  startProxy,
  startUpstream,
  tempDir,
  waitFor,
} from './helpers.ts';

const dir = await tempDir('beats-gate-probe-');
const token: TokenSource = { type: 'static', token: fakeJwt({ sub: 'd', exp: 4e9 }) };
const ca = readFileSync(resolve(fixtures, 'ca.pem'), 'utf8');

function probe(
  url: string,
  network: Partial<NetworkSettings> = {},
  source: TokenSource = token,
): Promise<ProbeResult> {
  const tokens = createTokenProvider(source, { refreshSkewMs: 60_000, oauthTimeoutMs: 5000 });
  const { dial } = createListenerDialer(
    { url: new URL(url), headers: {} },
    { proxy: 'direct', handshakeTimeoutMs: 5000, ...network },
    tokens,
  );
  return probeTunnel(dial);
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

function failed(result: ProbeResult) {
  if (result.ok) assert.fail('the probe succeeded');
  return result;
}

describe('probeTunnel', () => {
  it('opens one tunnel to Logstash and closes it with 1000, sending no bytes', async () => {
    const received: Buffer[] = [];
    const upstream = await startUpstream((socket) =>
      socket.on('data', (c: Buffer) => received.push(c)),
    );
    const closes: number[] = [];
    const edge = await startEdge({
      onSocket(ws) {
        forwardTo(upstream.port)(ws);
        ws.on('close', (code) => closes.push(code));
      },
    });
    try {
      const result = await probe(edge.url);
      assert.equal(result.ok, true, JSON.stringify(result));
      await waitFor(() => closes.length === 1, 'the close at the edge');
      assert.deepEqual(closes, [1000]);
      await waitFor(() => upstream.sockets.length === 1, 'the connection to Logstash');
      await waitFor(() => upstream.sockets[0]?.closed === true, 'Logstash connection closed');
      assert.equal(Buffer.concat(received).length, 0, 'the probe sent bytes to Logstash');
    } finally {
      await edge.close();
      await upstream.close();
    }
  });

  it('names the token source when it fails, before any connection', async () => {
    const edge = await startEdge();
    try {
      const result = failed(
        await probe(edge.url, {}, { type: 'file', path: join(dir, 'missing') }),
      );
      assert.equal(result.part, 'token');
      assert.equal(result.code, 'ERR_TOKEN_FILE');
      assert.match(result.message, /ENOENT/);
      assert.match(result.fix, /token file/);
      assert.equal(edge.requests.length, 0);
    } finally {
      await edge.close();
    }
  });

  it('names a dead proxy by its address, not the edge', async () => {
    const port = await closedPort();
    const result = failed(
      await probe('wss://edge.example.com/v1/tunnel', { proxy: `http://u:pw@127.0.0.1:${port}` }),
    );
    assert.equal(result.part, 'proxy');
    assert.equal(result.code, 'ERR_PROXY_UNREACHABLE');
    assert.equal(result.message, `cannot reach the proxy 127.0.0.1:${port}: ECONNREFUSED`);
  });

  it("names a proxy's refusal of CONNECT with its status", async () => {
    const proxy = await startProxy('fleet:secret');
    try {
      const withoutCredentials = proxy.url.replace(/\/\/[^@]+@/, '//');
      const result = failed(
        await probe('wss://localhost:9/v1/tunnel', { proxy: withoutCredentials, ca }),
      );
      assert.equal(result.part, 'proxy');
      assert.equal(result.code, 'ERR_PROXY_REFUSED');
      assert.equal(result.status, 407);
      assert.match(result.message, /answered 407 to CONNECT localhost:9 \(proxy authentication/);
    } finally {
      await proxy.close();
    }
  });

  it('names the host that did not resolve', async () => {
    const result = failed(await probe('wss://beats-gate-probe.invalid/v1/tunnel'));
    assert.equal(result.part, 'dns');
    assert.equal(result.code, 'ERR_HANDSHAKE_DNS');
    assert.match(result.message, /^cannot resolve the edge host beats-gate-probe\.invalid: E/);
  });

  it('names the edge address when nothing listens there', async () => {
    const port = await closedPort();
    const result = failed(await probe(`ws://127.0.0.1:${port}/v1/tunnel`));
    assert.equal(result.part, 'tcp');
    assert.equal(result.message, `cannot reach the edge 127.0.0.1:${port}: ECONNREFUSED`);
  });

  it('names wss:// against a plain-HTTP edge as TLS on a port without TLS', async () => {
    const edge = await startEdge();
    try {
      const result = failed(await probe(edge.url.replace('ws://', 'wss://')));
      assert.equal(result.part, 'tls');
      assert.equal(result.code, 'ERR_HANDSHAKE_TLS');
      assert.match(result.message, /answered in plain text, not TLS/);
      assert.match(result.message, /ws:\/\//);
    } finally {
      await edge.close();
    }
  });

  it('names an edge certificate it cannot verify as TLS', async () => {
    const edge = await startEdge({ tls: true });
    try {
      const result = failed(await probe(edge.url));
      assert.equal(result.part, 'tls');
      assert.match(result.message, /^TLS handshake with localhost:\d+ failed: /);
      assert.equal((await probe(edge.url, { ca })).ok, true);
    } finally {
      await edge.close();
    }
  });

  it("reports the edge's refusal with its status and code", async () => {
    const edge = await startEdge({
      decide: () => ({ status: 401, body: '{"error":"ERR_EDGE_TOKEN_EXPIRED"}' }),
    });
    try {
      const result = failed(await probe(edge.url));
      assert.equal(result.part, 'upgrade');
      assert.equal(result.code, 'ERR_HANDSHAKE_UNAUTHORIZED');
      assert.equal(result.status, 401);
      assert.equal(result.edgeCode, 'ERR_EDGE_TOKEN_EXPIRED');
    } finally {
      await edge.close();
    }
  });

  for (const [status, code, part] of [
    [503, 'ERR_UPSTREAM_ALL_DOWN', 'logstash'],
    [502, 'ERR_UPSTREAM_UNREACHABLE', 'logstash'],
    [502, 'ERR_EDGE_ORIGIN_UNREACHABLE', 'origin'],
    [401, 'ERR_ASSERTION_BAD_SIGNATURE', 'origin'],
  ] as const) {
    it(`names ${part} when the answer is ${status} ${code}`, async () => {
      const edge = await startEdge({
        decide: () => ({
          status,
          body: JSON.stringify({ error: code, message: 'from origin' }),
        }),
      });
      try {
        const result = failed(await probe(edge.url));
        assert.equal(result.part, part);
        assert.equal(result.status, status);
        assert.equal(result.edgeCode, code);
        // Origin's 401 is not the edge refusing the token: no refresh and retry.
        assert.equal(edge.requests.length, 1);
      } finally {
        await edge.close();
      }
    });
  }

  it('names the upgrade when the edge accepts the connection but never answers', async () => {
    const silent = createServer(() => {});
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as { port: number };
    try {
      const result = failed(
        await probe(`ws://127.0.0.1:${port}/v1/tunnel`, { handshakeTimeoutMs: 200 }),
      );
      assert.equal(result.part, 'upgrade');
      assert.equal(result.code, 'ERR_HANDSHAKE_TIMEOUT');
      assert.equal(
        result.message,
        `the edge 127.0.0.1:${port} did not answer the upgrade within 200 ms`,
      );
    } finally {
      silent.close();
    }
  });

  it('names TLS when a TLS port never finishes the handshake', async () => {
    const silent = createServer(() => {});
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as { port: number };
    try {
      const result = failed(
        await probe(`wss://localhost:${port}/v1/tunnel`, { handshakeTimeoutMs: 300 }),
      );
      assert.equal(result.part, 'tls');
      assert.match(result.message, /no TLS handshake with the edge localhost:\d+ within 300 ms/);
    } finally {
      silent.close();
    }
  });
});
