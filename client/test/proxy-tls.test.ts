import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from '../src/index.ts';
import {
  captureLogger,
  clientConfig,
  connectBeats,
  type Edge,
  fixtures,
  jwt,
  listenerConfig,
  startEdge,
  startProxy,
  waitFor,
} from './helpers.ts';

const caFile = resolve(fixtures, 'ca.pem');

describe('TLS and proxies', () => {
  let edge: Edge;
  before(async () => {
    edge = await startEdge({ tls: true });
  });
  after(async () => {
    await edge.close();
  });

  async function echoThrough(extra: Parameters<typeof clientConfig>[1]) {
    const logs = captureLogger();
    const client = createClient(
      clientConfig([listenerConfig(edge.url, { type: 'static', token: jwt('tok') })], extra),
      {
        logger: logs.logger,
      },
    );
    try {
      const port = (await client.listen()).listeners[0]?.port ?? 0;
      const beats = await connectBeats(port);
      beats.socket.write('through');
      await Promise.race([
        waitFor(() => beats.received().toString() === 'through', 'echo'),
        beats.closed.then(() => {
          throw new Error('Beats socket closed');
        }),
      ]).catch(() => {});
      const echoed = beats.received().toString();
      beats.socket.destroy();
      await beats.closed;
      return { echoed, logs };
    } finally {
      await client.close();
    }
  }

  it('verifies the edge certificate against --ca-file', async () => {
    const { echoed } = await echoThrough({ caFile });
    assert.equal(echoed, 'through');
  });

  it('refuses an edge certificate it cannot verify', async () => {
    const { echoed, logs } = await echoThrough({});
    assert.equal(echoed, '');
    const failure = logs.events.find((e) => e.event === 'handshake_failed');
    assert.equal(failure?.code, 'ERR_HANDSHAKE_TLS');
    assert.equal(failure?.part, 'tls');
    assert.match(
      String(failure?.reason),
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|self-signed|unable to verify/i,
    );
  });

  it('tunnels through an HTTP CONNECT proxy without credentials', async () => {
    const proxy = await startProxy();
    try {
      const { echoed } = await echoThrough({ caFile, proxy: proxy.url });
      assert.equal(echoed, 'through');
      assert.equal(proxy.connects.length, 1);
      assert.match(proxy.connects[0]?.url ?? '', /^localhost:\d+$/);
      assert.equal(proxy.connects[0]?.headers['proxy-authorization'], undefined);
    } finally {
      await proxy.close();
    }
  });

  it('sends proxy credentials from the proxy URL as Basic auth', async () => {
    const proxy = await startProxy('fleet:p@ss word');
    try {
      const { echoed, logs } = await echoThrough({ caFile, proxy: proxy.url });
      assert.equal(echoed, 'through');
      assert.equal(proxy.connects.length, 1);
      assert.ok(!logs.lines.some((line) => line.includes('p@ss') || line.includes('p%40ss')));
    } finally {
      await proxy.close();
    }
  });

  it('names a dead proxy, not the edge, in handshake_failed', async () => {
    const proxy = await startProxy();
    const port = Number(new URL(proxy.url).port);
    await proxy.close();
    const { echoed, logs } = await echoThrough({ caFile, proxy: `http://127.0.0.1:${port}` });
    assert.equal(echoed, '');
    const failure = logs.events.find((e) => e.event === 'handshake_failed');
    assert.equal(failure?.code, 'ERR_PROXY_UNREACHABLE');
    assert.equal(failure?.part, 'proxy');
    assert.equal(failure?.reason, `cannot reach the proxy 127.0.0.1:${port}: ECONNREFUSED`);
  });

  it('closes Beats when the proxy answers 407 to missing credentials', async () => {
    const proxy = await startProxy('fleet:secret');
    try {
      const withoutCredentials = proxy.url.replace(/\/\/[^@]+@/, '//');
      const requestsBefore = edge.requests.length;
      const { echoed, logs } = await echoThrough({ caFile, proxy: withoutCredentials });
      assert.equal(echoed, '');
      const failure = logs.events.find((e) => e.event === 'handshake_failed');
      assert.equal(failure?.status, 407);
      assert.equal(failure?.code, 'ERR_PROXY_REFUSED');
      assert.equal(failure?.part, 'proxy');
      // The proxy was asked, without credentials, and nothing got past it to the edge.
      assert.ok(proxy.connects.length >= 1, 'the client never asked the proxy');
      assert.equal(proxy.connects[0]?.headers['proxy-authorization'], undefined);
      assert.equal(edge.requests.length, requestsBefore, 'a request reached the edge');
    } finally {
      await proxy.close();
    }
  });

  it('follows HTTPS_PROXY when no proxy is configured, and NO_PROXY exempts a host', async () => {
    const proxy = await startProxy();
    const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY };
    try {
      process.env.HTTPS_PROXY = proxy.url;
      delete process.env.NO_PROXY;
      const viaEnv = await echoThrough({ caFile, proxy: undefined });
      assert.equal(viaEnv.echoed, 'through');
      assert.equal(proxy.connects.length, 1);
      process.env.NO_PROXY = 'localhost';
      const exempt = await echoThrough({ caFile, proxy: undefined });
      assert.equal(exempt.echoed, 'through');
      assert.equal(proxy.connects.length, 1, 'NO_PROXY was ignored');
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await proxy.close();
    }
  });
});
