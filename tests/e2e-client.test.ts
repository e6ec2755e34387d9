/**
 * The device client against the real edge (workerd), unwrapper and receiver: token sources as a
 * fleet uses them (a rotated file, OAuth client credentials), a corporate CONNECT proxy, an edge
 * refusal, and a slow uplink. The client runs in-process so its status can be read.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type Client } from '@beats-gate/client';
import { checkDelivery, createSender, generateEvents } from '@beats-gate/lumberjack';
import { generateKeyPair, exportJWK } from 'jose';
import { mintDevToken } from '../dev/dev-keys.ts';
import { until } from './support/delivery-run.ts';
import { createFaultProxy } from './support/fault-proxy.ts';
import { startTestStack, type StackFixture } from './support/stack-fixture.ts';
import { clientConfig } from './support/client-config.ts';

const silent = { level: 'silent' } as const;

describe('client against the real edge, unwrapper and receiver', () => {
  let fixture: StackFixture;
  let edgeUrl: string;
  const clients: Client[] = [];
  const servers: Server[] = [];
  before(async () => {
    fixture = await startTestStack(undefined);
    edgeUrl = `ws://127.0.0.1:${fixture.stack.ports.edge}/v1/tunnel`;
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close(100)));
    for (const server of servers) server.close();
    await fixture?.close();
  });

  async function startClient(...argv: string[]) {
    const config = clientConfig(
      ['--url', edgeUrl, '--listen', '127.0.0.1:0', '--log-level', silent.level, ...argv],
      {},
    );
    const client = createClient(config);
    clients.push(client);
    const { listeners } = await client.listen();
    return { client, port: listeners[0]!.port };
  }

  async function send(port: number, count: number) {
    const runId = `client-${Math.random().toString(36).slice(2)}`;
    const sender = createSender({ host: '127.0.0.1', port, batchSize: 500, maxAttempts: 3 });
    try {
      const result = await sender.send(generateEvents(count, { runId }));
      assert.equal(result.acked, count);
    } finally {
      sender.close();
    }
    const report = checkDelivery({ runId, count }, await fixture.readEvents());
    assert.equal(report.missing.length, 0);
  }

  const edgeDecisions = () =>
    fixture.logs
      .filter((line) => line.startsWith('[edge]') && line.includes('"edge.tunnel"'))
      .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>);

  it('re-reads a rotated token file for every new connection', async () => {
    const tokenFile = join(fixture.keys.dir, 'device-token');
    await writeFile(tokenFile, await mintDevToken(fixture.keys, { sub: 'device-a' }));
    const { port } = await startClient('--token-file', tokenFile);
    await send(port, 1000);
    await writeFile(tokenFile, (await mintDevToken(fixture.keys, { sub: 'device-b' })) + '\n');
    await send(port, 1000);
    const subjects = edgeDecisions()
      .filter((d) => d.result === 'allowed')
      .map((d) => d.subject);
    assert.ok(subjects.includes('device-a') && subjects.includes('device-b'), String(subjects));
    assert.ok(subjects.lastIndexOf('device-a') < subjects.lastIndexOf('device-b'));
  });

  it('gets its token with OAuth 2.0 client credentials and caches it', async () => {
    const requests: { authorization?: string; body: string }[] = [];
    const tokenEndpoint = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        requests.push({ authorization: request.headers.authorization, body });
        const expected = `Basic ${Buffer.from('device-c:s3cret').toString('base64')}`;
        if (request.headers.authorization !== expected) {
          response.writeHead(401, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: 'invalid_client' }));
          return;
        }
        void mintDevToken(fixture.keys, { sub: 'device-c', ttlSeconds: 600 }).then((token) => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 600 }),
          );
        });
      });
    });
    servers.push(tokenEndpoint);
    await new Promise<void>((done) => tokenEndpoint.listen(0, '127.0.0.1', done));
    const secretFile = join(fixture.keys.dir, 'oauth-secret');
    await writeFile(secretFile, 's3cret\n');
    const { port } = await startClient(
      '--oauth-token-url',
      `http://127.0.0.1:${(tokenEndpoint.address() as AddressInfo).port}/token`,
      '--oauth-client-id',
      'device-c',
      '--oauth-client-secret-file',
      secretFile,
    );
    await send(port, 1000);
    await send(port, 1000);
    assert.equal(requests.length, 1, 'the token was not cached across connections');
    assert.match(requests[0]!.body, /grant_type=client_credentials/);
  });

  it('tunnels through an HTTP CONNECT proxy with credentials, and closes Beats on 407', async () => {
    const connects: { target?: string; auth?: string }[] = [];
    const proxy = createServer();
    proxy.on('connect', (request: IncomingMessage, socket: Socket, head: Buffer) => {
      connects.push({ target: request.url, auth: request.headers['proxy-authorization'] });
      const expected = `Basic ${Buffer.from('alice:pw').toString('base64')}`;
      if (request.headers['proxy-authorization'] !== expected) {
        socket.end(
          'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n',
        );
        return;
      }
      const [host, port] = (request.url ?? '').split(':');
      const upstream = connect({ host: host!, port: Number(port) }, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        socket.pipe(upstream).pipe(socket);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    servers.push(proxy);
    await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
    const proxyPort = (proxy.address() as AddressInfo).port;
    const tokenFile = join(fixture.keys.dir, 'proxy-token');
    await writeFile(tokenFile, await mintDevToken(fixture.keys, { sub: 'device-p' }));

    const good = await startClient(
      '--token-file',
      tokenFile,
      '--proxy',
      `http://alice:pw@127.0.0.1:${proxyPort}`,
    );
    await send(good.port, 1000);
    assert.equal(connects.at(-1)?.target, `127.0.0.1:${fixture.stack.ports.edge}`);

    const bad = await startClient(
      '--token-file',
      tokenFile,
      '--proxy',
      `http://127.0.0.1:${proxyPort}`,
    );
    const answer = await beatsExchange(bad.port);
    assert.equal(answer.length, 0, 'the client wrote bytes to Beats although the proxy refused');
    assert.equal(connects.at(-1)?.auth, undefined);
  });

  it('closes the Beats socket without a byte when the edge refuses the token', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const forged = await mintDevToken(
      {
        ...fixture.keys,
        signingJwk: {
          ...(await exportJWK(privateKey)),
          kid: fixture.keys.signingJwk.kid!,
          alg: 'ES256',
        },
      },
      { sub: 'mallory' },
    );
    const tokenFile = join(fixture.keys.dir, 'forged-token');
    await writeFile(tokenFile, forged);
    const { port } = await startClient('--token-file', tokenFile);
    const answer = await beatsExchange(port);
    assert.equal(answer.length, 0);
    assert.ok(
      edgeDecisions().some((d) => d.result === 'refused' && d.status === 401),
      'the edge did not log the refusal',
    );
  });

  it('keeps its buffers bounded when the uplink stalls', async () => {
    const link = await createFaultProxy({
      target: { host: '127.0.0.1', port: fixture.stack.ports.edge },
    });
    try {
      const tokenFile = join(fixture.keys.dir, 'slow-token');
      await writeFile(tokenFile, await mintDevToken(fixture.keys, { sub: 'device-s' }));
      const highWaterMark = 256 * 1024;
      const config = clientConfig(
        [
          '--url',
          `ws://127.0.0.1:${link.port}/v1/tunnel`,
          '--listen',
          '127.0.0.1:0',
          '--log-level',
          'silent',
          '--token-file',
          tokenFile,
          '--high-water-mark-bytes',
          String(highWaterMark),
        ],
        {},
      );
      const client = createClient(config);
      clients.push(client);
      const port = (await client.listen()).listeners[0]!.port;
      const beats = connect({ host: '127.0.0.1', port });
      await once(beats, 'connect');
      await until(() => client.status().activeTunnels === 1, 20_000, 'the tunnel to open');
      link.mode = 'stall';
      // Far more than every buffer on the way (socket buffers included): flow control must stop
      // the client reading Beats, and what the client holds must stay near its high-water mark.
      const chunk = Buffer.alloc(64 * 1024, 0x32);
      for (let i = 0; i < 512; i++) beats.write(chunk);
      const tunnelStatus = () => client.status().listeners[0]!.tunnels[0];
      await until(() => tunnelStatus()?.beatsPaused === true, 20_000, 'the client to pause Beats');
      await sleep(300);
      const tunnel = tunnelStatus()!;
      assert.ok(
        tunnel.beatsPaused,
        'the client resumed reading Beats while the uplink was stalled',
      );
      assert.ok(
        tunnel.uplinkBuffered <= highWaterMark + chunk.length * 2,
        `${tunnel.uplinkBuffered} bytes buffered for a high-water mark of ${highWaterMark}`,
      );
      beats.destroy();
    } finally {
      link.mode = 'pass';
      await link.close();
    }
  });
});

/** Connects like a Beat, writes one window, and returns whatever came back before the close. */
async function beatsExchange(port: number): Promise<Buffer> {
  const socket = connect({ host: '127.0.0.1', port });
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.write(Buffer.from('2W\0\0\0\x01', 'latin1'));
  const started = Date.now();
  // A reset is as good a close as a FIN here: what matters is that nothing came back.
  const timer = setTimeout(() => socket.destroy(), 20_000);
  await new Promise((done) => socket.once('close', done));
  clearTimeout(timer);
  assert.ok(Date.now() - started < 20_000, 'the client kept the Beats socket open');
  return Buffer.concat(received);
}
