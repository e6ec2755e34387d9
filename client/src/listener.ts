import { randomBytes } from 'node:crypto';
import type { Agent } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { CloseCode, closeCodeName } from '@beats-gate/protocol';
import type { Logger } from 'pino';
import type WebSocket from 'ws';
import type { Metrics } from './admin/metrics.ts';
import type { ListenerConfig } from './config/types.ts';
import { ClientError, HandshakeError } from './errors.ts';
import type { TokenProvider } from './token/types.ts';
import { createBackoff, type Backoff } from './tunnel/backoff.ts';
import { createEdgeDialer } from './tunnel/dial-edge.ts';
import { formatAddress, listenOn } from './net/listen-on.ts';
import type { LastError, ListenerStatus } from './listener-status.ts';
import { shouldBackOff } from './tunnel/handshake.ts';
import { createTunnel, type Tunnel } from './tunnel/tunnel.ts';

export interface ListenerSettings {
  readonly config: ListenerConfig;
  readonly tokens: TokenProvider;
  readonly agent?: Agent;
  /** The proxy in use, without credentials, for the `listening` log line. */
  readonly proxy?: string;
  readonly ca?: string;
  readonly handshakeTimeoutMs: number;
  readonly highWaterMark: number;
  readonly pingIntervalMs: number;
  readonly maxConnections: number;
  readonly backoff: { initialMs: number; maxMs: number; random?: () => number };
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => number;
}

function connectionId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * One local listener: each accepted Beats connection gets its own WebSocket to the edge, or is
 * reset at once (with nothing written to it) when no tunnel can be had, so Beats backs off and
 * resends through its own logic.
 */
export function createListener(settings: ListenerSettings) {
  const { config, tokens, logger, metrics } = settings;
  const labels = { listener: config.name };
  const now = settings.now ?? Date.now;
  const backoff: Backoff = createBackoff({ ...settings.backoff, now });
  const tunnels = new Map<Tunnel, { conn: string; openedAt: string }>();
  const handshakes = new Set<AbortController>();
  const closedWaiters = new Set<() => void>();
  let lastError: LastError | null = null;
  let closing = false;
  let address = `${config.host}:${config.port}`;
  // pauseOnConnect: no Beats byte is read before the tunnel exists, so none is buffered.
  const server: Server = createServer(
    { pauseOnConnect: true },
    (socket) => void serverOnConnection(socket),
  );
  // Node resets connections over the limit itself; 'drop' only lets us count them.
  server.maxConnections = settings.maxConnections;
  server.on('drop', () => {
    metrics.refused.inc({ ...labels, reason: 'capacity' });
    logger.warn({ event: 'connection_refused', listener: config.name, reason: 'capacity' });
  });
  const dial = createEdgeDialer({
    url: config.url,
    headers: config.headers,
    tokens,
    handshakeTimeoutMs: settings.handshakeTimeoutMs,
    ...(settings.agent ? { agent: settings.agent } : {}),
    ...(settings.ca ? { ca: settings.ca } : {}),
    onToken(token) {
      if (token.expiresAt !== undefined) metrics.tokenExpiry.set(labels, token.expiresAt / 1000);
    },
    onRefresh() {
      logger.info({ event: 'token_refresh', listener: config.name, reason: 'edge answered 401' });
    },
  });

  function recordError(error: ClientError, status?: number) {
    lastError = {
      at: new Date(now()).toISOString(),
      code: error.code,
      message: error.message,
      ...(status ? { status } : {}),
    };
  }

  function refuse(socket: Socket, id: string, reason: string, retryInMs?: number) {
    metrics.refused.inc({ ...labels, reason });
    logger.info({
      event: 'connection_refused',
      conn: id,
      listener: config.name,
      reason,
      retryInMs,
    });
    socket.resetAndDestroy();
  }

  function onHandshakeFailure(socket: Socket, id: string, error: unknown) {
    const failure =
      error instanceof ClientError
        ? error
        : new ClientError('ERR_HANDSHAKE_NETWORK', 'unexpected handshake failure', {
            cause: error,
          });
    const status = failure instanceof HandshakeError ? failure.status : 0;
    const aborted = failure.code === 'ERR_HANDSHAKE_ABORTED';
    const backOff =
      failure instanceof HandshakeError
        ? shouldBackOff(failure)
        : failure.code.startsWith('ERR_TOKEN');
    const retryAfterMs = failure instanceof HandshakeError ? failure.retryAfterMs : undefined;
    const retryInMs = backOff && !closing ? backoff.failure(retryAfterMs) : undefined;
    if (!aborted) recordError(failure, status);
    metrics.handshakeFailures.inc({ ...labels, error: failure.code });
    logger.warn({
      event: 'handshake_failed',
      conn: id,
      listener: config.name,
      status,
      code: failure.code,
      reason: failure.message,
      edgeCode: failure instanceof HandshakeError ? failure.edgeCode : undefined,
      retryAfterMs,
      retryInMs,
    });
    socket.resetAndDestroy();
  }

  async function serverOnConnection(socket: Socket) {
    const id = connectionId();
    socket.on('error', () => {}); // a reset while we wait is handled by 'close'
    if (closing) return refuse(socket, id, 'shutting_down');
    const wait = backoff.remainingMs();
    if (wait > 0) return refuse(socket, id, 'backoff', wait);
    const controller = new AbortController();
    const abort = () => controller.abort();
    socket.once('close', abort);
    handshakes.add(controller);
    let ws: WebSocket;
    try {
      ws = await dial(controller.signal);
    } catch (error) {
      onHandshakeFailure(socket, id, error);
      return;
    } finally {
      handshakes.delete(controller);
      socket.off('close', abort);
    }
    if (closing || socket.destroyed) {
      ws.on('error', () => {}); // the tunnel that would have listened never starts
      ws.close(CloseCode.GOING_AWAY, closing ? 'client shutting down' : 'beats connection closed');
      socket.destroy();
      return;
    }
    backoff.success();
    startTunnel(socket, ws, id);
  }

  function startTunnel(socket: Socket, ws: WebSocket, id: string) {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    metrics.tunnelsOpened.inc(labels);
    metrics.tunnelsActive.inc(labels);
    logger.info({
      event: 'tunnel_opened',
      conn: id,
      listener: config.name,
      remote,
      edge: config.url.host,
    });
    const tunnel = createTunnel({
      socket,
      ws,
      highWaterMark: settings.highWaterMark,
      pingIntervalMs: settings.pingIntervalMs,
      now,
      onClosed(summary) {
        tunnels.delete(tunnel);
        metrics.tunnelsActive.dec(labels);
        metrics.tunnelsClosed.inc({
          ...labels,
          closed_by: summary.closedBy,
          code: closeCodeName(summary.code),
        });
        metrics.bytes.inc({ ...labels, direction: 'up' }, summary.bytesUp);
        metrics.bytes.inc({ ...labels, direction: 'down' }, summary.bytesDown);
        logger.info({ event: 'tunnel_closed', conn: id, listener: config.name, ...summary });
        if (tunnels.size === 0) for (const wake of closedWaiters) wake();
      },
    });
    tunnels.set(tunnel, { conn: id, openedAt: new Date(now()).toISOString() });
  }

  return {
    name: config.name,
    async listen(): Promise<{ host: string; port: number }> {
      const bound = await listenOn(server, `listener "${config.name}"`, config.host, config.port);
      address = formatAddress(bound.host, bound.port);
      const proxy = settings.proxy ?? 'none';
      logger.info({
        event: 'listening',
        listener: config.name,
        address,
        edge: config.url.host,
        proxy,
      });
      return bound;
    },
    /** Stops accepting, aborts handshakes, closes tunnels with `code`; resolves when all are gone. */
    async close(code: number, graceMs: number): Promise<void> {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const controller of handshakes) controller.abort();
      for (const tunnel of tunnels.keys()) tunnel.close(code, 'client shutting down');
      if (tunnels.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          closedWaiters.add(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    },
    status(): ListenerStatus {
      const until = backoff.until;
      metrics.backoffActive.set(labels, until === undefined ? 0 : 1);
      const expiresAt = tokens.expiresAt;
      return {
        name: config.name,
        listen: address,
        url: `${config.url.origin}${config.url.pathname}`,
        activeTunnels: tunnels.size,
        handshaking: handshakes.size,
        backoffUntil: until === undefined ? null : new Date(until).toISOString(),
        consecutiveFailures: backoff.consecutiveFailures,
        lastError,
        token: {
          source: tokens.kind,
          expiresAt: expiresAt === undefined ? null : new Date(expiresAt).toISOString(),
        },
        tunnels: [...tunnels].map(([tunnel, info]) => ({
          ...info,
          bytesUp: tunnel.bytesUp,
          bytesDown: tunnel.bytesDown,
          uplinkBuffered: tunnel.uplinkBuffered,
          downlinkBuffered: tunnel.downlinkBuffered,
          beatsPaused: tunnel.beatsPaused,
          edgePaused: tunnel.edgePaused,
        })),
      };
    },
  };
}

export type Listener = ReturnType<typeof createListener>;
