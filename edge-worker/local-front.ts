/**
 * The local edge's front door, doing locally what Cloudflare's front does before a Worker runs:
 *
 * - request targets no Worker ever sees on Cloudflare (`*`, `host:port`, CONNECT, a request head
 *   over the size limit) get a 4xx in the edge's JSON shape. Without this, Miniflare's entry
 *   worker answers `GET *` with a 500 and a stack trace, and workerd answers CONNECT with a 500;
 * - CF-Connecting-IP is set from the connecting socket, replacing a device's own copy, which
 *   Miniflare's entry worker would otherwise keep and the edge would sign as the client address.
 *
 * Everything else goes to workerd unchanged, headers in their raw order and duplicates included
 * (the edge's checks see what the device sent); an upgrade's sockets are then joined both ways.
 */
import {
  createServer,
  request as httpRequest,
  STATUS_CODES,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';
import { EdgeError } from './src/errors.ts';
import { errorResponse } from './src/respond.ts';

export interface FrontOptions {
  readonly host: string;
  readonly port: number;
  /** Where workerd listens (loopback, a free port). */
  readonly target: URL;
}

export interface RunningFront {
  readonly url: string;
  close(): Promise<void>;
}

/** Request heads larger than this (target and headers) are refused with 431. */
export const MAX_HEAD_BYTES = 32 * 1024;

export async function startFront(options: FrontOptions): Promise<RunningFront> {
  const server = createServer({ maxHeaderSize: MAX_HEAD_BYTES });
  const target = { host: options.target.hostname, port: Number(options.target.port) };

  server.on('request', function frontOnRequest(request: IncomingMessage, response: ServerResponse) {
    const path = originForm(request.url);
    if (path === undefined) {
      request.resume();
      void send(response, badTarget(request.url));
      return;
    }
    const upstream = httpRequest({
      ...target,
      method: request.method,
      path,
      headers: forwardedHeaders(request),
    });
    upstream.once('response', (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
      pipeline(answer, response, () => undefined);
    });
    upstream.once('error', () => response.destroy());
    pipeline(request, upstream, () => undefined);
  });

  server.on('upgrade', function frontOnUpgrade(request: IncomingMessage, socket: Duplex, head) {
    const path = originForm(request.url);
    if (path === undefined) {
      void answer(socket, badTarget(request.url));
      return;
    }
    socket.on('error', () => socket.destroy());
    const upstream = httpRequest({
      ...target,
      method: request.method,
      path,
      headers: forwardedHeaders(request),
    });
    upstream.once('upgrade', (answer, upstreamSocket, upstreamHead) => {
      socket.write(statusLine(answer) + headerLines(answer.rawHeaders) + '\r\n');
      if (upstreamHead.length > 0) socket.write(upstreamHead);
      if (head.length > 0) upstreamSocket.write(head);
      pipeline(socket, upstreamSocket, () => undefined);
      pipeline(upstreamSocket, socket, () => undefined);
    });
    // A refusal: status, headers and body as workerd wrote them, then the connection ends.
    upstream.once('response', (answer) => {
      socket.write(statusLine(answer) + headerLines(answer.rawHeaders) + '\r\n');
      pipeline(answer, socket, () => undefined);
    });
    upstream.once('error', () => socket.destroy());
    upstream.end();
  });

  server.on('connect', function frontOnConnect(request: IncomingMessage, socket: Duplex) {
    void answer(socket, badTarget(request.url));
  });

  server.on('clientError', function frontOnClientError(error: { code?: string }, socket: Duplex) {
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW' || error.code === 'HPE_URI_TOO_LONG';
    void answer(
      socket,
      tooLarge
        ? new EdgeError(
            'ERR_EDGE_REQUEST_TOO_LARGE',
            `the request line and headers exceed ${MAX_HEAD_BYTES} bytes`,
          )
        : new EdgeError('ERR_EDGE_TARGET_INVALID', 'not a valid HTTP/1.1 request'),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The path and query a Worker would see: origin-form as is, absolute-form (`GET http://host/p`,
 * what a proxy sends) reduced to its path like Cloudflare does; anything else is not a target.
 */
function originForm(url: string | undefined): string | undefined {
  if (url?.startsWith('/')) return url;
  const absolute = url && /^https?:\/\//i.test(url) ? URL.parse(url) : null;
  return absolute ? absolute.pathname + absolute.search : undefined;
}

/** The device's headers in their raw form, CF-Connecting-IP replaced by the socket's address. */
function forwardedHeaders(request: IncomingMessage): string[] {
  const headers: string[] = [];
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== 'cf-connecting-ip') headers.push(raw[i]!, raw[i + 1]!);
  }
  const address = request.socket.remoteAddress ?? '';
  headers.push('CF-Connecting-IP', address.replace(/^::ffff:/, ''));
  return headers;
}

function statusLine(answer: IncomingMessage): string {
  const status = answer.statusCode ?? 502;
  return `HTTP/1.1 ${status} ${answer.statusMessage || STATUS_CODES[status] || ''}\r\n`;
}

function headerLines(raw: readonly string[]): string {
  let lines = '';
  for (let i = 0; i < raw.length; i += 2) lines += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return lines;
}

function badTarget(url: string | undefined): EdgeError {
  const shown = JSON.stringify((url ?? '').slice(0, 64));
  return new EdgeError(
    'ERR_EDGE_TARGET_INVALID',
    `the request target must be a path such as /v1/tunnel, got ${shown}`,
  );
}

/** The edge's JSON refusal through Node's response object. */
async function send(response: ServerResponse, error: EdgeError): Promise<void> {
  const refusal = errorResponse(error);
  const body = await refusal.text();
  response.writeHead(refusal.status, {
    ...Object.fromEntries(refusal.headers),
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  response.end(body);
}

/** The edge's JSON refusal on a raw socket (an upgrade, CONNECT or a malformed head), then close. */
async function answer(socket: Duplex, error: EdgeError): Promise<void> {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const refusal = errorResponse(error);
  const body = await refusal.text();
  const headers = [...refusal.headers].flatMap(([name, value]) => [name, value]);
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n` +
      headerLines(headers) +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
