import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createAdminServer, createLogger, isLoopbackHost, type Logger } from '@beats-gate/kit';
import { CloseCode } from '@beats-gate/protocol';
import clientPackage from '../package.json' with { type: 'json' };
import { createMetrics, type Metrics } from './admin/metrics.ts';
import type { ClientConfig, TokenSource } from './config/types.ts';
import { ClientError, ConfigError } from './errors.ts';
import { createListener, type Listener } from './listener.ts';
import { summarizeReadiness } from './listener-readiness.ts';
import { checkTokenSources } from './start-checks.ts';
import type { ListenerStatus } from './listener-status.ts';
import { listenOn } from './net/listen-on.ts';
import { createTokenProviders } from './token/create-token-provider.ts';
import type { TokenProvider } from './token/types.ts';
import { createListenerDialer } from './tunnel/dial-edge.ts';

export interface ClientOptions {
  /** pino logger; by default JSON on stdout at the configured level. */
  readonly logger?: Logger;
  /** Injected clock (epoch milliseconds) for token caching and backoff. */
  readonly now?: () => number;
  /** Injected uniform [0, 1) source for backoff jitter. */
  readonly random?: () => number;
}

export interface ClientStatus {
  readonly activeTunnels: number;
  readonly lastError: ListenerStatus['lastError'];
  readonly listeners: readonly ListenerStatus[];
}

export interface BoundAddresses {
  readonly listeners: readonly { name: string; host: string; port: number }[];
  readonly admin?: { host: string; port: number };
}

export interface Client {
  /** Binds every listener (and the admin listener); rejects with ERR_LISTEN_FAILED. */
  listen(): Promise<BoundAddresses>;
  /** Stops accepting, closes tunnels with 1001 and waits up to `graceMs` for them to finish. */
  close(graceMs?: number): Promise<void>;
  status(): ClientStatus;
  readonly metrics: Metrics;
  /** The logger given in the options, or the one created from `logLevel`. */
  readonly logger: Logger;
}

// Imported, not read at run time: the single-executable bundle has no package.json beside it.
const CLIENT_VERSION = clientPackage.version;

/** loadConfig checks this too; repeated here for configurations built by hand. */
function assertLoopback(config: ClientConfig): void {
  if (config.allowRemote) return;
  const exposed = [
    ...config.listeners.map((listener) => [`listener "${listener.name}"`, listener.host]),
    ...(config.admin ? [['admin listener', config.admin.host]] : []),
  ].filter(([, host]) => !isLoopbackHost(host ?? ''));
  if (exposed.length > 0) {
    throw new ConfigError(
      exposed.map(([what, host]) => `${what}: ${host} is not a loopback address; set allowRemote`),
    );
  }
}

export function createClient(config: ClientConfig, options: ClientOptions = {}): Client {
  assertLoopback(config);
  const logger =
    options.logger ?? createLogger({ service: 'beats-gate-client', level: config.logLevel });
  const listeners: Listener[] = [];
  /** One per distinct token source, with the listeners that share it. */
  const tokenChecks: { source: TokenSource; tokens: TokenProvider; listeners: string[] }[] = [];
  const metrics = createMetrics({
    defaultMetrics: config.admin?.metrics ?? false,
    listeners: () => listeners,
  });
  let admin: Server | undefined;
  let closed = false;

  function status(): ClientStatus {
    const perListener = listeners.map((listener) => listener.status());
    const errors = perListener.flatMap((s) => (s.lastError ? [s.lastError] : []));
    errors.sort((a, b) => a.at.localeCompare(b.at));
    return {
      activeTunnels: perListener.reduce((sum, s) => sum + s.activeTunnels, 0),
      lastError: errors.at(-1) ?? null,
      listeners: perListener,
    };
  }

  async function build(): Promise<void> {
    const ca = config.caFile === undefined ? undefined : await readFile(config.caFile, 'utf8');
    const providers = createTokenProviders(config, ca, options.now);
    for (const listenerConfig of config.listeners) {
      const { tokens, created } = providers.get(listenerConfig.token);
      if (created) {
        await tokens.prepare?.();
        tokenChecks.push({ source: listenerConfig.token, tokens, listeners: [] });
      }
      tokenChecks.find((check) => check.tokens === tokens)?.listeners.push(listenerConfig.name);
      const refreshLog = logger.child({ listener: listenerConfig.name });
      const { dial, proxy } = createListenerDialer(
        listenerConfig,
        {
          handshakeTimeoutMs: config.handshakeTimeoutMs,
          ...(config.proxy === undefined ? {} : { proxy: config.proxy }),
          ...(ca ? { ca } : {}),
        },
        tokens,
        {
          onRefresh: () => refreshLog.info({ event: 'token_refresh', reason: 'edge answered 401' }),
        },
      );
      listeners.push(
        createListener({
          config: listenerConfig,
          tokens,
          dial,
          highWaterMark: config.highWaterMark,
          pingIntervalMs: config.pingIntervalMs,
          maxConnections: config.maxConnections,
          probeIntervalMs: config.probeIntervalMs,
          backoff: {
            initialMs: config.backoffInitialMs,
            maxMs: config.backoffMaxMs,
            ...(options.random ? { random: options.random } : {}),
          },
          logger,
          metrics,
          ...(proxy ? { proxy } : {}),
          ...(options.now ? { now: options.now } : {}),
        }),
      );
    }
  }

  function startAdmin(
    settings: NonNullable<ClientConfig['admin']>,
  ): Promise<{ host: string; port: number }> {
    admin = createAdminServer({
      service: 'beats-gate-client',
      version: CLIENT_VERSION,
      readiness: () =>
        summarizeReadiness(
          listeners.map((listener) => listener.readiness.state),
          closed,
        ),
      ...(settings.metrics ? { registry: metrics.registry } : {}),
      routes: [
        {
          path: '/status',
          methods: ['GET', 'HEAD'],
          handle: () => ({ status: 200, body: status() }),
        },
      ],
      logger,
    });
    return listenOn(admin, 'admin listener', settings.host, settings.port);
  }

  return {
    metrics,
    logger,
    status,
    async listen(): Promise<BoundAddresses> {
      if (listeners.length > 0 || closed)
        throw new ClientError('ERR_LISTEN_FAILED', 'listen() may be called once');
      const bound = [];
      try {
        await build();
        const tokenFailures = await checkTokenSources(tokenChecks, logger, options.now);
        for (const listener of listeners) {
          const report = tokenFailures.get(listener.name);
          if (report) listener.readiness.failed(report, 'start_check');
        }
        // close() during the checks (a signal while a token command ran) ends the start here.
        if (closed) throw new ClientError('ERR_LISTEN_FAILED', 'stopped while starting');
        for (const listener of listeners)
          bound.push({ name: listener.name, ...(await listener.listen()) });
        if (config.admin) {
          const adminAddress = await startAdmin(config.admin);
          logger.info({
            event: 'admin_listening',
            address: `${adminAddress.host}:${adminAddress.port}`,
          });
          return { listeners: bound, admin: adminAddress };
        }
      } catch (error) {
        await Promise.all(listeners.map((listener) => listener.close(CloseCode.GOING_AWAY, 0)));
        throw error;
      }
      return { listeners: bound };
    },
    async close(graceMs = 2000): Promise<void> {
      if (closed) return;
      closed = true;
      for (const { tokens } of tokenChecks) tokens.close?.();
      await Promise.all(listeners.map((listener) => listener.close(CloseCode.GOING_AWAY, graceMs)));
      admin?.closeAllConnections();
      await new Promise((resolve) =>
        admin?.listening ? admin.close(resolve) : resolve(undefined),
      );
      logger.info({ event: 'stopped' });
    },
  };
}
