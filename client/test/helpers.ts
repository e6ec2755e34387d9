// Shared test fixtures: a stand-in edge (ws server on 127.0.0.1:0), a TCP upstream, a Beats-side
// socket and a client config builder. Everything binds port 0 on loopback. Every wait is bounded
// and fails naming what it waited for, so a broken tunnel fails a test instead of hanging it.
import { once } from 'node:events';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { after } from 'node:test';
import { join, resolve } from 'node:path';
import { createLogCapture, within, type Logger } from '@beats-gate/kit';
import { END_OF_STREAM } from '@beats-gate/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientConfig, ListenerConfig, TokenSource } from '../src/index.ts';

export const fixtures = resolve(import.meta.dirname, 'fixtures');
export const repoRoot = resolve(import.meta.dirname, '../..');
export const vectorsDir = resolve(repoRoot, 'lumberjack/test/vectors');

/** How long a helper waits for something a loopback peer should do at once. */
export const WAIT_LIMIT_MS = 10_000;

export { within };

export interface EdgeRequest {
  readonly authorization: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly path: string;
}

export interface EdgeOptions {
  /** Decide the answer to an upgrade: a status to refuse with, or undefined to accept. */
  readonly decide?: (
    request: EdgeRequest,
  ) => { status: number; headers?: Record<string, string>; body?: string } | undefined;
  /** What to do with an accepted WebSocket; default echoes every message back. */
  readonly onSocket?: (ws: WebSocket, request: EdgeRequest) => void;
  readonly tls?: boolean;
}

export interface Edge {
  readonly url: string;
  readonly requests: EdgeRequest[];
  readonly sockets: WebSocket[];
  close(): Promise<void>;
}

export async function startEdge(options: EdgeOptions = {}): Promise<Edge> {
  const requests: EdgeRequest[] = [];
  const sockets: WebSocket[] = [];
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const server: HttpServer = options.tls
    ? createHttpsServer({
        cert: readFileSync(resolve(fixtures, 'server.pem')),
        key: readFileSync(resolve(fixtures, 'server.key')),
      })
    : createHttpServer();
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const request: EdgeRequest = {
      authorization: req.headers.authorization,
      headers: req.headers,
      path: req.url ?? '',
    };
    requests.push(request);
    const refusal = options.decide?.(request);
    if (refusal) {
      const body = refusal.body ?? '';
      const headers = Object.entries({
        ...refusal.headers,
        'content-length': String(Buffer.byteLength(body)),
      })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.end(
        `HTTP/1.1 ${refusal.status} Refused\r\n${headers}connection: close\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      if (options.onSocket) options.onSocket(ws, request);
      else ws.on('message', (data: Buffer, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `${options.tls ? 'wss' : 'ws'}://${options.tls ? 'localhost' : '127.0.0.1'}:${port}/v1/tunnel`,
    requests,
    sockets,
    async close() {
      for (const ws of sockets) ws.terminate();
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}

/**
 * Pipes an accepted WebSocket to a fresh TCP connection to `port`, as the unwrapper does, FINs
 * included: END from the client becomes a FIN upstream, the upstream's FIN becomes END.
 */
export function forwardTo(port: number) {
  return (ws: WebSocket) => {
    ws.pause();
    const upstream = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => ws.resume());
    let ends = 0;
    const ended = () => {
      if (++ends === 2) ws.close(1000, 'both directions ended');
    };
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) upstream.write(data);
      else if (data.toString() === END_OF_STREAM) {
        upstream.end();
        ended();
      }
    });
    upstream.on('data', (chunk: Buffer) => ws.send(chunk, { binary: true }));
    upstream.on('end', () => {
      ws.send(END_OF_STREAM);
      ended();
    });
    upstream.on('error', () => ws.close(1014, 'upstream failed'));
    ws.on('close', () => upstream.destroy());
  };
}

export interface Proxy {
  readonly url: string;
  readonly connects: IncomingMessage[];
  close(): Promise<void>;
}

/** A tiny HTTP CONNECT proxy; with `credentials` it answers 407 to anyone without them. */
export async function startProxy(credentials?: string): Promise<Proxy> {
  const connects: IncomingMessage[] = [];
  const sockets = new Set<Socket>();
  const server: HttpServer = createHttpServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    connects.push(req);
    sockets.add(socket);
    socket.on('error', () => {});
    const expected = credentials && `Basic ${Buffer.from(credentials).toString('base64')}`;
    if (expected && req.headers['proxy-authorization'] !== expected) {
      socket.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm="test"\r\ncontent-length: 0\r\n\r\n',
      );
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const auth = credentials ? `${credentials.split(':').map(encodeURIComponent).join(':')}@` : '';
  return {
    url: `http://${auth}127.0.0.1:${port}`,
    connects,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => server.close(done));
    },
  };
}

export interface Upstream {
  readonly port: number;
  readonly sockets: Socket[];
  close(): Promise<void>;
}

export async function startUpstream(onSocket: (socket: Socket) => void): Promise<Upstream> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    sockets,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => server.close(done));
    },
  };
}

export function listenerConfig(
  url: string,
  token: TokenSource,
  extra: Partial<ListenerConfig> = {},
): ListenerConfig {
  return {
    name: 'test',
    host: '127.0.0.1',
    port: 0,
    url: new URL(url),
    token,
    headers: {},
    ...extra,
  };
}

export function clientConfig(
  listeners: ListenerConfig[],
  extra: Partial<ClientConfig> = {},
): ClientConfig {
  return {
    listeners,
    allowRemote: false,
    proxy: 'direct',
    pingIntervalMs: 25_000,
    handshakeTimeoutMs: 5_000,
    highWaterMark: 64 * 1024,
    maxConnections: 16,
    backoffInitialMs: 1000,
    backoffMaxMs: 60_000,
    // Off unless a test is about probes: a probe is one more request at the stand-in edge.
    probeIntervalMs: 0,
    tokenRefreshSkewMs: 60_000,
    logLevel: 'silent',
    ...extra,
  };
}

/** A logger set up like the client's whose lines are kept (for example: no token ever logged). */
export function captureLogger(): {
  logger: Logger;
  lines: string[];
  events: Record<string, unknown>[];
} {
  const capture = createLogCapture({ service: 'beats-gate-client' });
  return { logger: capture.logger, lines: capture.raw, events: capture.lines };
}

/** Connects like a Beat does and collects everything the client sends back. */
export async function connectBeats(port: number): Promise<{
  socket: Socket;
  received: () => Buffer;
  /** Resolves when the client closed the Beats connection; the wait starts when this is read. */
  readonly closed: Promise<void>;
}> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  const closed = new Promise<void>((done) => socket.once('close', () => done()));
  // A reset during backoff can reach Node before it reports the connect: either ends the wait.
  await within(
    Promise.race([new Promise((done) => socket.once('connect', done)), closed]),
    'the client to accept the Beats connection',
  );
  return {
    socket,
    received: () => Buffer.concat(chunks),
    get closed() {
      return within(closed, 'the Beats connection to close');
    },
  };
}

/** Polls a condition on the event loop, bounded in time; for state reached by socket I/O. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  limitMs = WAIT_LIMIT_MS,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}

/** A fake JWT with the given exp (seconds); the client only decodes it, the edge here does not verify. */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'ES256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('signature').toString('base64url')}`;
}

/** A JWT-shaped token for `sub` that expires in 2100: the start-up check accepts only JWTs. */
export function jwt(sub: string): string {
  return fakeJwt({ sub, exp: 4_102_444_800 });
}

/** A temporary directory for one test file, removed when the file's tests are done. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
