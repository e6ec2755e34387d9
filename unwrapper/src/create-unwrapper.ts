/**
 * Wires the unwrapper together: the public listener (HTTP, or TLS requiring client certificates)
 * whose upgrades become tunnels, the admin listener, the upstream pool and the shutdown sequence.
 * Only orchestration lives here; each concern has its own module.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createAdminServer, createLogger, packageVersion, type Logger } from '@beats-gate/kit';
import { closeCodeName } from '@beats-gate/protocol';
import { WebSocketServer } from 'ws';
import { createCloseTunnelsRoute, type TunnelSelector } from './admin/close-tunnels-route.ts';
import { createMetrics } from './admin/metrics.ts';
import { withDefaults, type HostPort, type UnwrapperInput } from './config/types.ts';
import { createTunnel, type Tunnel, type TunnelResult } from './tunnel/tunnel.ts';
import { createAuthenticator } from './upgrade/authenticate.ts';
import { createUpgradeHandler, type AcceptedUpgrade } from './upgrade/handle-upgrade.ts';
import { UpgradeRefusal, writeRefusal } from './upgrade/refusal.ts';
import { createTunnelLimits } from './upgrade/tunnel-limits.ts';
import { resolveInspect } from './config/inspect-config.ts';
import { createGateFactory } from './inspect/gate-observer.ts';
import { createUpstreamRouter } from './upstream/upstream-router.ts';
import { TUNNEL_PATH } from '@beats-gate/protocol';

export interface UnwrapperOptions extends UnwrapperInput {
  /** A pino logger; one is created from logLevel when absent. */
  logger?: Logger;
  /** Injected clock (ms since the epoch) for assertion checks and durations. */
  now?: () => number;
  /** Node process metrics in the registry; default true. */
  defaultMetrics?: boolean;
}

export interface UnwrapperAddresses {
  public?: HostPort;
  admin?: HostPort;
}

/** What GET /readyz reports: ready when not draining and an upstream is reachable. */
export interface Readiness {
  ready: boolean;
  draining: boolean;
  upstreamReachable: boolean;
}

const SERVICE = 'beats-gate-unwrapper';
const VERSION = packageVersion(new URL('../package.json', import.meta.url));

function hostPort(server: Server): HostPort {
  const address = server.address() as AddressInfo;
  return { host: address.address, port: address.port };
}

function listenOn(server: Server, target: HostPort): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(target.port, target.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export function createUnwrapper(options: UnwrapperOptions) {
  const config = withDefaults(options);
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger({ service: SERVICE, level: config.logLevel });
  const metrics = createMetrics({
    defaultMetrics: options.defaultMetrics ?? true,
    read: {
      tunnels: () => tunnels.size,
      draining: () => draining,
      upstreams: () => pool.snapshot(),
    },
  });
  const pool = createUpstreamRouter(config, { metrics, logger, now });
  // Lumberjack-aware mode, checked here so a bad setting fails at startup; undefined = byte tunnel.
  const gateFor = createGateFactory({ settings: resolveInspect(config), metrics, now });
  const limits = createTunnelLimits(config);
  const authenticate = createAuthenticator(config, now);
  const tunnels = new Set<Tunnel>();
  let draining = false;
  let drained: Promise<void> | undefined;
  const addresses: UnwrapperAddresses = {};
  const tunnelWaiters = new Set<() => void>();

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    // Lumberjack windows are zlib-compressed already; deflating again costs CPU for nothing.
    perMessageDeflate: false,
    // The tunnel answers pings itself, so unread pongs count against its buffer (tunnel.ts).
    autoPong: false,
    maxPayload: config.maxPayloadBytes,
  });

  const publicServer: Server = config.tls
    ? createHttpsServer({
        cert: config.tls.cert,
        key: config.tls.key,
        ...(config.tls.clientCa
          ? { ca: config.tls.clientCa, requestCert: true, rejectUnauthorized: true }
          : {}),
      })
    : createHttpServer();
  publicServer.on('request', (request, response) => {
    const path = new URL(request.url ?? '/', 'http://unwrapper').pathname;
    const status = path === TUNNEL_PATH ? 426 : 404;
    response.writeHead(status, {
      'content-type': 'application/json',
      ...(status === 426 ? { upgrade: 'websocket', connection: 'Upgrade' } : {}),
    });
    response.end(
      JSON.stringify({
        error: status === 426 ? 'ERR_UNWRAPPER_UPGRADE_REQUIRED' : 'ERR_UNWRAPPER_NOT_FOUND',
      }),
    );
  });

  function onAccepted(upgrade: AcceptedUpgrade) {
    const { connectionId, identity, clientAddress, lease, ws, release } = upgrade;
    // Every line about this tunnel carries its connection id and subject.
    const log = logger.child({ connectionId, subject: identity.subject });
    metrics.upgrades.inc({ result: 'accepted' });
    log.info(
      { event: 'tunnel_opened', clientAddress, upstream: lease.upstream, kid: identity.kid },
      'tunnel opened',
    );
    const gate = gateFor(identity, connectionId, log);
    const tunnel: Tunnel = createTunnel({
      ...(gate ? { gate } : {}),
      ws,
      upstream: lease.socket,
      identity: {
        connectionId,
        subject: identity.subject,
        clientAddress,
        upstream: lease.upstream,
      },
      highWaterMarkBytes: config.highWaterMarkBytes,
      pingIntervalMs: config.pingIntervalMs,
      closeTimeoutMs: config.closeTimeoutMs,
      now,
      onData: (direction, bytes) => metrics.bytes.inc({ direction }, bytes),
      onClose: (result) => {
        tunnels.delete(tunnel);
        release();
        lease.release();
        recordClose(result, tunnel.inspection, log);
        for (const wake of tunnelWaiters) wake();
      },
    });
    tunnels.add(tunnel);
  }

  function recordClose(result: TunnelResult, inspection: Tunnel['inspection'], log: Logger) {
    const { identity, stats, closedBy, code, reason, durationMs } = result;
    metrics.tunnelDuration.observe(durationMs / 1000);
    metrics.tunnelsClosed.inc({ code: closeCodeName(code), closed_by: closedBy });
    log.info(
      {
        event: 'tunnel_closed',
        // connectionId and subject come from the tunnel's logger.
        clientAddress: identity.clientAddress,
        upstream: identity.upstream,
        // Up is towards Logstash, down towards the Beat, at every hop.
        bytesUp: stats.bytesFromWebsocket,
        bytesDown: stats.bytesFromSocket,
        durationMs,
        closeCode: code,
        closeCodeName: closeCodeName(code),
        closeReason: reason,
        closedBy,
        edgeReadPauses: stats.websocketPauses,
        logstashReadPauses: stats.socketPauses,
        // Lumberjack-aware mode: windows and events forwarded, windows acked, why it stopped.
        ...(inspection ? { inspect: inspection } : {}),
      },
      'tunnel closed',
    );
  }

  function onRefused(
    refusal: UpgradeRefusal,
    context: { connectionId: string; clientAddress: string; subject?: string },
  ) {
    metrics.upgrades.inc({ result: refusal.reason });
    const level = refusal.reason === 'internal' ? 'error' : 'warn';
    logger[level](
      {
        event: 'upgrade_refused',
        ...context,
        reason: refusal.reason,
        code: refusal.code,
        status: refusal.status,
        detail: refusal.message,
        ...(refusal.reason === 'internal' ? { err: refusal.cause } : {}),
      },
      'upgrade refused',
    );
  }

  const handleUpgrade = createUpgradeHandler({
    wss,
    authenticate,
    limits,
    pool,
    isDraining: () => draining,
    retryAfterSeconds: config.retryAfterSeconds,
    closeTimeoutMs: config.closeTimeoutMs,
    onAccepted,
    onRefused,
  });
  publicServer.on('upgrade', handleUpgrade);
  publicServer.on('clientError', (_error, socket) => {
    const refusal = new UpgradeRefusal('bad_handshake', 'malformed HTTP request');
    writeRefusal(socket, refusal, config.closeTimeoutMs);
  });

  /** Not ready, refuse upgrades with 503, wait up to graceMs for tunnels, close the rest 1001. */
  function drain(graceMs: number = config.shutdownGraceMs): Promise<void> {
    drained ??= shutdown(graceMs);
    return drained;
  }

  /** Immediate shutdown: drain without a grace period, or cut a running drain's grace short. */
  function close(): Promise<void> {
    const running = drain(0);
    endGrace?.();
    return running;
  }

  function readiness(): Readiness {
    const upstreamReachable = pool.reachable;
    return { ready: !draining && upstreamReachable, draining, upstreamReachable };
  }
  /** Admin action: close tunnels now with 1008 (a revoked device; the deny list stops its retry). */
  function closeTunnels(selector: TunnelSelector): number {
    const chosen = [...tunnels].filter((tunnel) =>
      'subject' in selector
        ? tunnel.identity.subject === selector.subject
        : tunnel.identity.connectionId === selector.connectionId,
    );
    for (const tunnel of chosen) tunnel.revoke();
    logger.warn(
      { event: 'tunnels_closed_by_admin', ...selector, tunnels: chosen.length },
      'tunnels closed by the admin API',
    );
    return chosen.length;
  }
  const adminServer = createAdminServer({
    service: SERVICE,
    version: VERSION,
    readiness,
    registry: metrics.registry,
    routes: [
      createCloseTunnelsRoute({
        closeTunnels,
        ...(config.adminToken !== undefined ? { adminToken: config.adminToken } : {}),
      }),
    ],
    logger,
  });

  /** Ends the grace period early (a second signal, or close() during a drain). */
  let endGrace: (() => void) | undefined;

  function waitForTunnels(deadline: number, interruptible = false): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        if (interruptible) endGrace = undefined;
        clearTimeout(timer);
        tunnelWaiters.delete(done);
        resolve();
      };
      const done = () => {
        if (tunnels.size === 0) finish();
      };
      // The timer ends the wait whatever the clock says (timers may fire a little early).
      const timer = setTimeout(finish, Math.max(0, deadline - now()));
      tunnelWaiters.add(done);
      if (interruptible) endGrace = finish;
      done();
    });
  }

  async function shutdown(graceMs: number) {
    draining = true;
    logger.info({ event: 'drain_started', tunnels: tunnels.size, graceMs }, 'draining');
    // Lumberjack-aware tunnels close by themselves once their windows are acked (no duplicates);
    // byte tunnels, and any that cannot finish in time, are closed after the grace period.
    if (config.drainAtWindowBoundary) for (const tunnel of tunnels) tunnel.drainAtWindowBoundary();
    await waitForTunnels(now() + graceMs, true);
    const remaining = tunnels.size;
    for (const tunnel of tunnels) tunnel.shutdown();
    // Each tunnel is closed for good within closeTimeoutMs; the margin covers the close events.
    await waitForTunnels(now() + config.closeTimeoutMs + 500);
    pool.stopProbing();
    await Promise.all(
      [publicServer, adminServer].map(
        (server) =>
          new Promise<void>((resolve) => {
            if (!server.listening) return resolve();
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
    logger.info({ event: 'drain_finished', closedWithGoingAway: remaining }, 'drained');
  }

  return {
    config,
    logger,
    /** prom-client registry of this instance. */
    metrics: metrics.registry,
    addresses,
    async listen(): Promise<Required<UnwrapperAddresses>> {
      await listenOn(publicServer, config.listen);
      await listenOn(adminServer, config.adminListen);
      addresses.public = hostPort(publicServer);
      addresses.admin = hostPort(adminServer);
      pool.startProbing();
      logger.info({ event: 'listening', ...addresses, upstreams: pool.snapshot() }, 'listening');
      return { public: addresses.public, admin: addresses.admin };
    },
    drain,
    close,
    readiness,
    get draining() {
      return draining;
    },
    /** Live tunnels: byte counts and buffer levels, for tests and debugging. */
    get tunnels(): readonly Tunnel[] {
      return [...tunnels];
    },
    upstreams: () => pool.snapshot(),
    /** Runs one upstream probe now (tests, or before listen). */
    probeUpstreams: () => pool.probe(),
  };
}

export type Unwrapper = ReturnType<typeof createUnwrapper>;
