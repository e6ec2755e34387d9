/**
 * Test harness: an in-process unwrapper on loopback with captured logs, raw TCP upstreams, and
 * WebSocket clients that sign edge assertions the way the edge worker does. Every wait here is
 * bounded and fails naming what it waited for: a tunnel that loses a message must fail a test,
 * not hang it.
 */
import { once } from 'node:events';
import { request } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  ASSERTION_HEADER,
  createAssertionSigner,
  generateAssertionKey,
  parseAssertionKeys,
  TUNNEL_PATH,
  type AssertionKey,
} from '@beats-gate/protocol';
import { createLogCapture, within } from '@beats-gate/kit';
import type { Registry } from 'prom-client';
import { WebSocket } from 'ws';
import { createUnwrapper, type Unwrapper, type UnwrapperOptions } from '../../src/index.ts';

export const [KEY] = parseAssertionKeys(generateAssertionKey('current')) as [AssertionKey];
export const [OLD_KEY] = parseAssertionKeys(generateAssertionKey('previous')) as [AssertionKey];
export const [STRANGER_KEY] = parseAssertionKeys(generateAssertionKey('current')) as [AssertionKey];

export type LogLine = Record<string, unknown> & { event?: string };

/** How long a helper waits for something a loopback peer should do at once. */
export const WAIT_LIMIT_MS = 10_000;

export { within };

/** Resolves when a socket has closed (at once if it already has). */
export function socketClosed(
  socket: Socket,
  what = 'the socket to close',
  limitMs = WAIT_LIMIT_MS,
): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return within(
    new Promise<void>((resolve) => socket.once('close', () => resolve())),
    what,
    limitMs,
  );
}

export interface Harness {
  unwrapper: Unwrapper;
  logs: LogLine[];
  url: string;
  adminUrl: string;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

export async function startUnwrapper(
  options: Partial<UnwrapperOptions> & Pick<UnwrapperOptions, 'upstreams'>,
): Promise<Harness> {
  // The unwrapper's own logger set-up, its lines kept.
  const { logger, lines: logs } = createLogCapture({ service: 'beats-gate-unwrapper' });
  const unwrapper = createUnwrapper({
    listen: { host: '127.0.0.1', port: 0 },
    adminListen: { host: '127.0.0.1', port: 0 },
    assertionKeys: [KEY, OLD_KEY],
    upstreamProbeIntervalMs: 0,
    defaultMetrics: false,
    logger,
    ...options,
  });
  const addresses = await unwrapper.listen();
  return {
    unwrapper,
    logs,
    url: `ws://127.0.0.1:${addresses.public.port}${TUNNEL_PATH}`,
    adminUrl: `http://127.0.0.1:${addresses.admin.port}`,
    metric: (name, labels) => metricValue(unwrapper.metrics, name, labels),
  };
}

/** Sum of a metric's samples whose labels include `labels`. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

export interface RawUpstream {
  server: Server;
  port: number;
  sockets: Socket[];
  /** Resolves with each accepted socket, in order; rejects if none comes within `limitMs`. */
  nextSocket(limitMs?: number): Promise<Socket>;
  close(): Promise<void>;
}

export async function startRawUpstream(onSocket?: (socket: Socket) => void): Promise<RawUpstream> {
  const sockets: Socket[] = [];
  const waiting: ((socket: Socket) => void)[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => {});
    sockets.push(socket);
    onSocket?.(socket);
    waiting.shift()?.(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  let taken = 0;
  return {
    server,
    port: (server.address() as AddressInfo).port,
    sockets,
    nextSocket(limitMs = WAIT_LIMIT_MS) {
      const index = taken++;
      if (sockets[index]) return Promise.resolve(sockets[index]);
      return within(
        new Promise((resolve) => waiting.push(resolve)),
        `upstream connection #${index + 1}`,
        limitMs,
      );
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close').catch(() => {});
    },
  };
}

/** A port with nothing listening (bound then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

export interface TunnelClientOptions {
  subject?: string;
  /** Token claims the edge passes on (FORWARD_CLAIMS). */
  claims?: Record<string, unknown>;
  /** `exp` of the device's token, seconds since the epoch. */
  tokenExpiresAt?: number;
  key?: AssertionKey;
  /** Sign for another Sec-WebSocket-Key than the one sent. */
  signKey?: string;
  /** Use this assertion verbatim instead of signing one. */
  assertion?: string | null;
  headers?: Record<string, string>;
  now?: () => number;
  ttlSeconds?: number;
  autoPong?: boolean;
  maxPayload?: number;
  /** TLS client options for wss:// URLs. */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** Receives the signed assertion, to replay it. */
  onAssertion?: (assertion: string, webSocketKey: string) => void;
}

/** Opens a tunnel the way the edge forwards it; rejects with the HTTP status on refusal. */
export function openTunnel(url: string, options: TunnelClientOptions = {}): Promise<WebSocket> {
  const sign = createAssertionSigner({
    key: options.key ?? KEY,
    ...(options.now ? { now: options.now } : {}),
    ...(options.ttlSeconds ? { ttlSeconds: options.ttlSeconds } : {}),
  });
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      // A handshake nobody answers fails the test instead of hanging it.
      handshakeTimeout: WAIT_LIMIT_MS,
      autoPong: options.autoPong ?? true,
      maxPayload: options.maxPayload ?? 256 * 1024 * 1024,
      headers: options.headers ?? {},
      ...(options.tls ?? {}),
      finishRequest(req) {
        const webSocketKey = String(req.getHeader('sec-websocket-key'));
        void (async () => {
          if (options.assertion === undefined) {
            const assertion = await sign({
              subject: options.subject ?? 'device-1',
              webSocketKey: options.signKey ?? webSocketKey,
              clientAddress: '203.0.113.7',
              ...(options.claims ? { claims: options.claims } : {}),
              ...(options.tokenExpiresAt !== undefined
                ? { tokenExpiresAt: options.tokenExpiresAt }
                : {}),
            });
            options.onAssertion?.(assertion, webSocketKey);
            req.setHeader(ASSERTION_HEADER, assertion);
          } else if (options.assertion !== null) {
            req.setHeader(ASSERTION_HEADER, options.assertion);
          }
          req.end();
        })();
      },
    });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        reject(
          Object.assign(new Error(`HTTP ${res.statusCode}`), {
            status: res.statusCode,
            headers: res.headers,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown,
          }),
        ),
      );
    });
    ws.once('error', reject);
  });
}

export interface RawUpgradeResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { error?: string; message?: string };
}

/** An upgrade request with exactly these headers (for replaying a captured handshake). */
export function rawUpgrade(
  url: string,
  headers: Record<string, string>,
): Promise<RawUpgradeResult> {
  return new Promise((resolve, reject) => {
    const req = request(url.replace(/^ws/, 'http'), {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: {} });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: JSON.parse(
            Buffer.concat(chunks).toString('utf8') || '{}',
          ) as RawUpgradeResult['body'],
        }),
      );
    });
    req.on('error', reject);
    req.setTimeout(WAIT_LIMIT_MS, () =>
      req.destroy(new Error(`no answer to the upgrade within ${WAIT_LIMIT_MS} ms`)),
    );
    req.end();
  });
}

/** Waits for a condition driven by socket events; bounded in count and time, never a timing assertion. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  limitMs = WAIT_LIMIT_MS,
) {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface CloseEvent {
  code: number;
  reason: string;
}

/** The close the WebSocket sees; rejects if it does not come within `limitMs`. */
export function closed(ws: WebSocket, limitMs = WAIT_LIMIT_MS): Promise<CloseEvent> {
  if (ws.readyState === ws.CLOSED) return Promise.resolve({ code: 1006, reason: 'already closed' });
  return within(
    new Promise((resolve) => {
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    }),
    'the WebSocket to close',
    limitMs,
  );
}

/** Collects what a socket sends until it has `length` bytes; rejects with what came if short. */
export function readBytes(
  stream: { on(event: 'data', fn: (chunk: Buffer) => void): unknown },
  length: number,
  limitMs = WAIT_LIMIT_MS,
) {
  let total = 0;
  return within(
    new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        total += chunk.length;
        if (total >= length) resolve(Buffer.concat(chunks));
      });
    }),
    () => `${length} bytes (${total} came)`,
    limitMs,
  );
}
