import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageVersion } from '@beats-gate/kit';
import { ConfigError, createClient, type ClientError } from '../src/index.ts';
import {
  captureLogger,
  clientConfig,
  connectBeats,
  fakeJwt,
  jwt,
  listenerConfig,
  startEdge,
  tempDir,
  waitFor,
} from './helpers.ts';

const dir = await tempDir('beats-gate-lifecycle-');

describe('client lifecycle', () => {
  it('refuses non-loopback addresses in a hand-built configuration unless allowRemote is set', () => {
    const listener = listenerConfig(
      'ws://127.0.0.1:1/v1/tunnel',
      { type: 'static', token: jwt('a') },
      { host: '0.0.0.0' },
    );
    assert.throws(
      () => createClient(clientConfig([listener])),
      (error: unknown) =>
        error instanceof ConfigError && /0\.0\.0\.0 is not a loopback address/.test(error.message),
    );
    assert.throws(
      () =>
        createClient(
          clientConfig(
            [listenerConfig('ws://127.0.0.1:1/v1/tunnel', { type: 'static', token: jwt('a') })],
            {
              admin: { host: '192.0.2.1', port: 0, metrics: false },
            },
          ),
        ),
      ConfigError,
    );
    assert.doesNotThrow(() => createClient(clientConfig([listener], { allowRemote: true })));
  });

  it('fails listen() with ERR_LISTEN_FAILED when the address is taken, releasing the others', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const { port } = blocker.address() as { port: number };
    const url = 'ws://127.0.0.1:1/v1/tunnel';
    const token = { type: 'static', token: jwt('a') } as const;
    const client = createClient(
      clientConfig([
        listenerConfig(url, token, { name: 'free', port: 0 }),
        listenerConfig(url, token, { name: 'taken', port }),
      ]),
      { logger: captureLogger().logger },
    );
    try {
      await assert.rejects(client.listen(), (error: ClientError) => {
        assert.equal(error.code, 'ERR_LISTEN_FAILED');
        assert.match(
          error.message,
          /listener "taken" cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/,
        );
        return true;
      });
    } finally {
      await client.close();
      await new Promise((done) => blocker.close(done));
    }
  });

  it('runs several listeners, each with its own token source, and reports them in status', async () => {
    const edge = await startEdge();
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const fileToken = fakeJwt({ sub: 'device-1', exp });
    const path = join(dir, 'jwt');
    await writeFile(path, fileToken);
    const client = createClient(
      clientConfig(
        [
          listenerConfig(edge.url, { type: 'file', path }, { name: 'filebeat' }),
          listenerConfig(
            edge.url,
            { type: 'static', token: jwt('other') },
            { name: 'packetbeat', headers: { 'X-Beat': 'pb' } },
          ),
        ],
        { admin: { host: '127.0.0.1', port: 0, metrics: false } },
      ),
      { logger: captureLogger().logger },
    );
    try {
      const bound = await client.listen();
      const [filebeat, packetbeat] = bound.listeners;
      const one = await connectBeats(filebeat?.port ?? 0);
      await waitFor(() => edge.requests.length === 1, 'first handshake');
      const two = await connectBeats(packetbeat?.port ?? 0);
      await waitFor(() => edge.requests.length === 2, 'second handshake');
      assert.equal(edge.requests[0]?.authorization, `Bearer ${fileToken}`);
      assert.equal(edge.requests[1]?.authorization, `Bearer ${jwt('other')}`);
      assert.equal(edge.requests[1]?.headers['x-beat'], 'pb');
      assert.equal(edge.requests[0]?.path, '/v1/tunnel');

      const admin = `http://127.0.0.1:${bound.admin?.port}`;
      await waitFor(() => client.status().activeTunnels === 2, 'two tunnels');
      const status = (await (await fetch(`${admin}/status`)).json()) as ReturnType<
        typeof client.status
      >;
      assert.deepEqual(
        status.listeners.map((l) => [l.name, l.activeTunnels, l.token.source]),
        [
          ['filebeat', 1, 'file'],
          ['packetbeat', 1, 'static'],
        ],
      );
      assert.equal(status.listeners[0]?.token.expiresAt, new Date(exp * 1000).toISOString());
      assert.ok(!JSON.stringify(status).includes(fileToken), '/status shows a token');
      assert.equal(
        (await fetch(`${admin}/metrics`)).status,
        404,
        'metrics served without --metrics',
      );
      assert.equal((await fetch(`${admin}/status`, { method: 'POST' })).status, 405);
      assert.deepEqual(await (await fetch(`${admin}/healthz`)).json(), { status: 'ok' });
      assert.deepEqual(await (await fetch(`${admin}/version`)).json(), {
        service: 'beats-gate-client',
        version: packageVersion(new URL('../package.json', import.meta.url)),
      });
      assert.equal((await fetch(`${admin}/readyz`)).status, 200);
      one.socket.destroy();
      two.socket.destroy();
    } finally {
      await client.close();
      await edge.close();
    }
  });

  it('closes Beats and resolves close() while a handshake is still waiting for the edge', async () => {
    // An edge that accepts TCP but never answers the upgrade.
    const silent = createServer(() => {});
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const { port: silentPort } = silent.address() as { port: number };
    const client = createClient(
      clientConfig([
        listenerConfig(`ws://127.0.0.1:${silentPort}/v1/tunnel`, {
          type: 'static',
          token: jwt('a'),
        }),
      ]),
      { logger: captureLogger().logger },
    );
    try {
      const port = (await client.listen()).listeners[0]?.port ?? 0;
      const beats = await connectBeats(port);
      await waitFor(() => client.status().listeners[0]?.handshaking === 1, 'handshake in flight');
      await client.close();
      await beats.closed;
      assert.equal(beats.received().length, 0);
    } finally {
      await client.close();
      silent.close();
    }
  });

  it('gives up a handshake the edge never answers after the handshake timeout', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const { port: silentPort } = silent.address() as { port: number };
    const logs = captureLogger();
    const client = createClient(
      clientConfig(
        [
          listenerConfig(`ws://127.0.0.1:${silentPort}/v1/tunnel`, {
            type: 'static',
            token: jwt('a'),
          }),
        ],
        {
          handshakeTimeoutMs: 200,
        },
      ),
      { logger: logs.logger },
    );
    try {
      const port = (await client.listen()).listeners[0]?.port ?? 0;
      const beats = await connectBeats(port);
      await beats.closed;
      const failure = logs.events.find((e) => e.event === 'handshake_failed');
      assert.equal(failure?.code, 'ERR_HANDSHAKE_TIMEOUT');
      assert.equal(typeof failure?.retryInMs, 'number', 'a timeout starts a backoff');
    } finally {
      await client.close();
      silent.close();
    }
  });
});

describe('capacity', () => {
  it('resets connections beyond maxConnections and logs them', async () => {
    const edge = await startEdge();
    const logs = captureLogger();
    const client = createClient(
      clientConfig([listenerConfig(edge.url, { type: 'static', token: jwt('a') })], {
        maxConnections: 1,
      }),
      { logger: logs.logger },
    );
    try {
      const port = (await client.listen()).listeners[0]?.port ?? 0;
      const first = await connectBeats(port);
      first.socket.write('one');
      await waitFor(() => first.received().toString() === 'one', 'first tunnel');
      const second = await connectBeats(port);
      await second.closed;
      assert.equal(second.received().length, 0);
      await waitFor(() => logs.events.some((e) => e.reason === 'capacity'), 'capacity log');
      first.socket.destroy();
    } finally {
      await client.close();
      await edge.close();
    }
  });
});
