import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '@beats-gate/kit';
import { CloseCode, closeCodeName } from '@beats-gate/protocol';
import type WebSocket from 'ws';
import type { Metrics } from './admin/metrics.ts';
import type { ListenerConfig } from './config/types.ts';
import { createHandshakeFailures } from './handshake-failures.ts';
import { createListenerReadiness } from './listener-readiness.ts';
import type { TokenProvider } from './token/types.ts';
import { createBackoff, type Backoff } from './tunnel/backoff.ts';
import type { DialEdge } from './tunnel/dial-edge.ts';
import { formatAddress, listenOn } from './net/listen-on.ts';
import { resetSocket } from './net/reset-socket.ts';
import { createListenerTls } from './tls/tls-server.ts';
import type { ListenerStatus } from './listener-status.ts';
import { createTunnel, type Tunnel } from './tunnel/tunnel.ts';

export interface ListenerSettings {
  readonly config: ListenerConfig;
  readonly tokens: TokenProvider;
  /** The listener's dial path (createListenerDialer): proxy, TLS, token, handshake. */
  readonly dial: DialEdge;
  /** The proxy in use, without credentials, for the `listening` log line. */
  readonly proxy?: string;
  readonly highWaterMark: number;
  readonly pingIntervalMs: number;
  readonly maxConnections: number;
  /** Probe the chain this often while no tunnel opened within the interval; 0 turns it off. */
  readonly probeIntervalMs: number;
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
  const { config, tokens, metrics } = settings;
  const logger = settings.logger.child({ listener: config.name });
  const labels = { listener: config.name };
  const now = settings.now ?? Date.now;
  const backoff: Backoff = createBackoff({ ...settings.backoff, now });
  const tunnels = new Map<Tunnel, { connectionId: string; openedAt: string }>();
  const handshakes = new Set<AbortController>();
  const closedWaiters = new Set<() => void>();
  const failures = createHandshakeFailures({ backoff, metrics, labels, now });
  let closing = false;
  let address = `${config.host}:${config.port}`;
  // With --listen-tls-cert-file the Beat's TLS ends here and the tunnel carries plain Lumberjack,
  // so the Lumberjack-aware unwrapper sees it as from a plain listener.
  const tls = config.tls
    ? createListenerTls({
        config: config.tls,
        logger,
        now,
        onRefused: (problem) => metrics.refused.inc({ ...labels, reason: problem }),
        onSocket: (socket) => void serverOnConnection(socket),
      })
    : undefined;
  // pauseOnConnect: no Beats byte is read before the tunnel exists, so none is buffered.
  // allowHalfOpen: a Beat's FIN must not end our side too; the tunnel carries it to Logstash.
  const server: Server =
    tls?.server ??
    createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => {
      void serverOnConnection(socket);
    });
  // Node resets connections over the limit itself; 'drop' only lets us count them.
  server.maxConnections = settings.maxConnections;
  server.on('drop', () => {
    metrics.refused.inc({ ...labels, reason: 'capacity' });
    logger.warn({ event: 'connection_refused', reason: 'capacity' });
  });
  const { dial } = settings;
  const readiness = createListenerReadiness({
    name: config.name,
    dial,
    probeIntervalMs: settings.probeIntervalMs,
    now,
    onProbe(result) {
      metrics.probes.inc({ ...labels, result: result.ok ? 'ok' : result.part });
      if (result.ok) logger.debug({ event: 'probe_ok', durationMs: result.durationMs });
      else {
        const { ok: _ok, message, ...rest } = result;
        logger.warn({ event: 'probe_failed', ...rest, reason: message });
      }
    },
    onChange(state) {
      const { name: _name, ...rest } = state;
      logger.info({ event: 'readiness_changed', ...rest });
    },
  });

  function refuse(socket: Socket, log: Logger, reason: string, retryInMs?: number) {
    metrics.refused.inc({ ...labels, reason });
    log.info({ event: 'connection_refused', reason, retryInMs });
    resetSocket(socket);
  }

  async function serverOnConnection(socket: Socket) {
    const id = connectionId();
    const log = logger.child({ connectionId: id });
    socket.on('error', () => {}); // a reset while we wait is handled by 'close'
    if (closing) return refuse(socket, log, 'shutting_down');
    const wait = backoff.remainingMs();
    if (wait > 0) return refuse(socket, log, 'backoff', wait);
    const controller = new AbortController();
    const abort = () => controller.abort();
    socket.once('close', abort);
    handshakes.add(controller);
    let ws: WebSocket;
    try {
      ws = await dial(controller.signal);
    } catch (error) {
      const report = failures.failed(socket, log, error, closing);
      if (!closing) readiness.failed(report, 'handshake');
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
    readiness.succeeded('handshake');
    startTunnel(socket, ws, id, log);
  }

  function startTunnel(socket: Socket, ws: WebSocket, id: string, log: Logger) {
    const remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    metrics.tunnelsOpened.inc(labels);
    log.info({ event: 'tunnel_opened', remoteAddress, edge: config.url.host });
    const tunnel = createTunnel({
      socket,
      ws,
      highWaterMark: settings.highWaterMark,
      pingIntervalMs: settings.pingIntervalMs,
      now,
      onData: (direction, bytes) => metrics.bytes.inc({ ...labels, direction }, bytes),
      onClosed(summary) {
        tunnels.delete(tunnel);
        const { code, reason, ...rest } = summary;
        metrics.tunnelsClosed.inc({
          ...labels,
          closed_by: rest.closedBy,
          code: closeCodeName(code),
        });
        log.info({
          event: 'tunnel_closed',
          ...rest,
          closeCode: code,
          closeCodeName: closeCodeName(code),
          closeReason: reason,
        });
        if (tunnels.size === 0) for (const wake of closedWaiters) wake();
      },
    });
    tunnels.set(tunnel, { connectionId: id, openedAt: new Date(now()).toISOString() });
  }

  /**
   * Bytes are counted as they pass, like the unwrapper's, not when the tunnel closes: a tunnel
   * that lives for days shows its traffic on the next scrape. These listeners only observe; the
   * tunnel still reads and writes. (The shared join reports each chunk itself: onData.)
   */
  return {
    name: config.name,
    async listen(): Promise<{ host: string; port: number }> {
      // Certificate problems fail the start naming the file, before the port is taken.
      const certificate = await tls?.start();
      const bound = await listenOn(server, `listener "${config.name}"`, config.host, config.port);
      address = formatAddress(bound.host, bound.port);
      const proxy = settings.proxy ?? 'none';
      logger.info({
        event: 'listening',
        address,
        edge: config.url.host,
        proxy,
        ...(certificate && config.tls
          ? {
              tls: {
                subject: certificate.subject,
                validTo: certificate.validTo,
                clientAuthentication: config.tls.clientAuthentication,
              },
            }
          : {}),
      });
      readiness.start();
      return bound;
    },
    /** Ready or not, and why (/readyz). */
    readiness,
    /** Stops accepting, aborts handshakes, closes tunnels with `code`; resolves when all are gone. */
    async close(code: number, graceMs: number): Promise<void> {
      closing = true;
      readiness.stop();
      tls?.stop();
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
    get activeTunnels(): number {
      return tunnels.size;
    },
    get ready(): boolean {
      return readiness.state.ready;
    },
    get backingOff(): boolean {
      return backoff.until !== undefined;
    },
    get tokenExpiresAt(): number | undefined {
      return tokens.expiresAt;
    },
    /** Of the certificate served now: a reload moves it. */
    get certificateExpiresAt(): number | undefined {
      const served = tls?.certificate;
      return served === undefined ? undefined : Date.parse(served.validTo);
    },
    status(): ListenerStatus {
      const until = backoff.until;
      const expiresAt = tokens.expiresAt;
      return {
        name: config.name,
        listen: address,
        url: `${config.url.origin}${config.url.pathname}`,
        activeTunnels: tunnels.size,
        handshaking: handshakes.size,
        backoffUntil: until === undefined ? null : new Date(until).toISOString(),
        consecutiveFailures: backoff.consecutiveFailures,
        lastError: failures.lastError,
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
