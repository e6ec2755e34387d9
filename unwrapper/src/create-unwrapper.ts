/**
 * Wires the unwrapper together: the public listener whose upgrades become tunnels, the tunnel
 * registry and what is told about tunnels, the admin listener, the upstream pool and the shutdown
 * sequence. Only orchestration lives here; each concern has its own module.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminServer, createLogger, type Logger } from '@beats-gate/kit';
import { WebSocketServer } from 'ws';
import { createCloseTunnelsRoute, type TunnelSelector } from './admin/close-tunnels-route.ts';
import { createMetrics } from './admin/metrics.ts';
import { withDefaults, type HostPort, type UnwrapperInput } from './config/types.ts';
import { createPublicServer } from './public-server.ts';
import { createShutdown } from './shutdown.ts';
import { createTunnel, type Tunnel } from './tunnel/tunnel.ts';
import { createTunnelEvents } from './tunnel/tunnel-events.ts';
import { createTunnelRegistry } from './tunnel/tunnel-registry.ts';
import { createAuthenticator } from './upgrade/authenticate.ts';
import { createUpgradeHandler, type AcceptedUpgrade } from './upgrade/handle-upgrade.ts';
import { createTunnelLimits } from './upgrade/tunnel-limits.ts';
import { resolveInspect } from './config/inspect-config.ts';
import { createGateFactory } from './inspect/gate-observer.ts';
import unwrapperPackage from '../package.json' with { type: 'json' };
import { createUpstreamRouter } from './upstream/upstream-router.ts';

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
// Imported, not read at run time: a bundled unwrapper has no package.json beside its source.
const VERSION = unwrapperPackage.version;

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
  const registry = createTunnelRegistry(now);
  const metrics = createMetrics({
    defaultMetrics: options.defaultMetrics ?? true,
    read: {
      tunnels: () => registry.size,
      draining: () => lifecycle.draining,
      upstreams: () => pool.snapshot(),
    },
  });
  const events = createTunnelEvents(logger, metrics);
  const pool = createUpstreamRouter(config, { metrics, logger, now });
  // Lumberjack-aware mode, checked here so a bad setting fails at startup; undefined = byte tunnel.
  const gateFor = createGateFactory({
    settings: resolveInspect(config),
    metrics,
    now,
    groupOf: (identity) => pool.groupOf(identity),
  });
  const addresses: UnwrapperAddresses = {};

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    // Lumberjack windows are zlib-compressed already; deflating again costs CPU for nothing.
    perMessageDeflate: false,
    // The tunnel answers pings itself, so unread pongs count against its buffer (kit join).
    autoPong: false,
    maxPayload: config.maxPayloadBytes,
  });

  function onAccepted(upgrade: AcceptedUpgrade) {
    const { connectionId, identity, clientAddress, lease, ws, release } = upgrade;
    // Every line about this tunnel carries its connection id and subject.
    const log = logger.child({ connectionId, subject: identity.subject });
    events.opened(log, { clientAddress, upstream: lease.upstream, kid: identity.kid });
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
        release();
        lease.release();
        events.closed(log, result, tunnel.inspection);
        registry.delete(tunnel);
      },
    });
    registry.add(tunnel);
  }

  const publicServer = createPublicServer(config);
  publicServer.on(
    'upgrade',
    createUpgradeHandler({
      wss,
      authenticate: createAuthenticator(config, now),
      limits: createTunnelLimits(config),
      pool,
      isDraining: () => lifecycle.draining,
      retryAfterSeconds: config.retryAfterSeconds,
      closeTimeoutMs: config.closeTimeoutMs,
      onAccepted,
      onRefused: (refusal, context) => events.refused(refusal, context),
    }),
  );

  function readiness(): Readiness {
    const upstreamReachable = pool.reachable;
    const draining = lifecycle.draining;
    return { ready: !draining && upstreamReachable, draining, upstreamReachable };
  }
  /** Admin action: close tunnels now with 1008 (a revoked device; the deny list stops its retry). */
  function closeTunnels(selector: TunnelSelector): number {
    const chosen = registry.select(selector);
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

  const lifecycle = createShutdown({
    registry,
    servers: () => [publicServer, adminServer],
    stopping: () => pool.stopProbing(),
    drainAtWindowBoundary: config.drainAtWindowBoundary,
    shutdownGraceMs: config.shutdownGraceMs,
    closeTimeoutMs: config.closeTimeoutMs,
    logger,
    now,
  });

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
    /** Not ready, refuse upgrades with 503, wait up to graceMs for tunnels, close the rest 1001. */
    drain: (graceMs?: number) => lifecycle.drain(graceMs),
    /** Immediate shutdown: drain without a grace period, or cut a running drain's grace short. */
    close: () => lifecycle.close(),
    readiness,
    get draining() {
      return lifecycle.draining;
    },
    /** Live tunnels: byte counts and buffer levels, for tests and debugging. */
    get tunnels(): readonly Tunnel[] {
      return registry.list();
    },
    upstreams: () => pool.snapshot(),
    /** Runs one upstream probe now (tests, or before listen). */
    probeUpstreams: () => pool.probe(),
  };
}

export type Unwrapper = ReturnType<typeof createUnwrapper>;
