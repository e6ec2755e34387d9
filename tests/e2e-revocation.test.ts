/**
 * Revoking a device end to end: the client, the edge (workerd, with its deny list), the unwrapper
 * and the receiver, all in this process so the deny list can be changed while they run. An open
 * tunnel outlives a deny-list entry (frames pass the edge without Worker code); the unwrapper's
 * admin API closes it, and the device's next connection is refused at the edge, before origin.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient, type Client } from '@beats-gate/client';
import {
  createDecoder,
  createReceiver,
  createSender,
  encodeJson,
  encodeWindow,
  generateEvents,
  type Receiver,
} from '@beats-gate/lumberjack';
import { parseAssertionKeys } from '@beats-gate/protocol';
import { createLogCapture } from '@beats-gate/kit';
import { createUnwrapper, type Unwrapper } from '@beats-gate/unwrapper';
import { DEV_AUDIENCE, DEV_ISSUER, ensureDevKeys, mintDevToken } from '../dev/dev-keys.ts';
import { startEdge, type RunningEdge } from '../edge-worker/local.ts';
import { until } from './support/delivery-run.ts';
import { clientConfig } from './support/client-config.ts';

const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef0123456789';

describe('revoking a device with open tunnels', () => {
  let dir: string;
  let receiver: Receiver;
  let unwrapper: Unwrapper;
  let adminUrl: string;
  let edge: RunningEdge;
  let client: Client;
  let beatsPort: number;
  const received: Record<string, unknown>[] = [];
  const unwrapperLog = createLogCapture({ service: 'beats-gate-unwrapper', level: 'info' });
  const unwrapperLogs = unwrapperLog.lines;
  const edgeLogs: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bg-revocation-'));
    const keys = await ensureDevKeys(dir);
    receiver = createReceiver({
      port: 0,
      sink: (batch) => {
        received.push(...batch.events);
        return Promise.resolve();
      },
    });
    const { port: receiverPort } = await receiver.listen();
    unwrapper = createUnwrapper({
      listen: { host: '127.0.0.1', port: 0 },
      adminListen: { host: '127.0.0.1', port: 0 },
      upstreams: [{ host: '127.0.0.1', port: receiverPort }],
      assertionKeys: parseAssertionKeys(keys.assertionKeys),
      adminToken: ADMIN_TOKEN,
      upstreamProbeIntervalMs: 0,
      defaultMetrics: false,
      logger: unwrapperLog.logger,
    });
    const addresses = await unwrapper.listen();
    adminUrl = `http://127.0.0.1:${addresses.admin.port}`;
    edge = await startEdge({
      vars: {
        ORIGIN_URL: `http://127.0.0.1:${addresses.public.port}`,
        JWT_ISSUER: DEV_ISSUER,
        JWT_AUDIENCE: DEV_AUDIENCE,
        JWT_ALGORITHMS: 'ES256,EdDSA',
        JWKS: await readFile(keys.jwksPath, 'utf8'),
      },
      secrets: { ASSERTION_KEYS: keys.assertionKeys },
      onLog: (line) => edgeLogs.push(line),
    });
    const tokenFile = join(dir, 'device-token');
    await writeFile(tokenFile, await mintDevToken(keys, { sub: 'lost-laptop' }));
    const edgeUrl = new URL('/v1/tunnel', edge.url);
    edgeUrl.protocol = 'ws:';
    client = createClient(
      clientConfig(['--url', edgeUrl.href, '--listen', '127.0.0.1:0', '--token-file', tokenFile], {
        BEATS_GATE_CLIENT_LOG_LEVEL: 'silent',
      }),
    );
    beatsPort = (await client.listen()).listeners[0]!.port;
  });

  after(async () => {
    await client?.close(100);
    await edge?.dispose();
    await unwrapper?.close();
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A Beat's connection that stays open: one-event windows, counting the acks it reads. */
  async function openBeatsConnection() {
    const socket: Socket = connect({ host: '127.0.0.1', port: beatsPort });
    await once(socket, 'connect');
    const decoder = createDecoder();
    const state = { acks: 0, closed: false };
    socket.on('data', (chunk: Buffer) => {
      state.acks += decoder.push(chunk).filter((f) => f.type === 'ack' && f.seq === 1).length;
    });
    socket.on('close', () => (state.closed = true));
    socket.on('error', () => {});
    return {
      state,
      async sendWindow(message: string) {
        const before = state.acks;
        socket.write(Buffer.concat([encodeWindow(1), encodeJson(1, { message })]));
        await until(() => state.acks > before, 10_000, `the ack of "${message}"`);
      },
    };
  }

  async function closeTunnels(subject: string) {
    const response = await fetch(`${adminUrl}/tunnels/close?subject=${subject}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(response.status, 200);
    return (await response.json()) as { closed: number };
  }

  it('keeps the open tunnel after the deny-list write, closes it through the admin API, refuses the reconnect at the edge', async () => {
    const beats = await openBeatsConnection();
    await beats.sendWindow('before');
    assert.equal(received.length, 1);
    const denyList = await edge.miniflare.getKVNamespace('DENYLIST');
    await denyList.put('sub:lost-laptop', 'reported stolen');

    // The deny list stops new connections only: this tunnel still carries a window.
    await beats.sendWindow('still open');
    assert.equal(received.length, 2);

    assert.deepEqual(await closeTunnels('lost-laptop'), { subject: 'lost-laptop', closed: 1 });
    await until(() => beats.state.closed, 5000, 'the Beats connection to close');
    const tunnelClosed = () =>
      unwrapperLogs.find((l) => l.event === 'tunnel_closed' && l.subject === 'lost-laptop');
    await until(() => tunnelClosed() !== undefined, 5000, 'tunnel_closed at the unwrapper');
    assert.equal(tunnelClosed()?.closeCode, 1008);
    assert.equal(tunnelClosed()?.closeReason, 'closed by the operator');

    // The Beat reconnects and retries: refused at the edge, so origin never sees the device.
    const upgradesBefore = unwrapperLogs.filter((l) => l.event === 'tunnel_opened').length;
    const sender = createSender({
      host: '127.0.0.1',
      port: beatsPort,
      maxAttempts: 2,
      backoffInitialMs: 50,
      backoffMaxMs: 100,
      timeoutMs: 5000,
    });
    await assert.rejects(sender.send(generateEvents(10, { runId: 'after-revocation' })), {
      code: 'ERR_LJ_SENDER_GAVE_UP',
    });
    sender.close();
    assert.equal(received.length, 2, 'nothing after the revocation reached Logstash');
    assert.equal(
      unwrapperLogs.filter((l) => l.event === 'tunnel_opened').length,
      upgradesBefore,
      'the revoked device never reached origin again',
    );
    const refusals = edgeLogs.filter((line) => line.includes('ERR_EDGE_TOKEN_REVOKED'));
    assert.ok(refusals.length >= 1, 'the edge logged the revoked token');
  });
});
