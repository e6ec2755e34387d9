/**
 * The client's configuration from flags, BEATS_GATE_CLIENT_* variables and the config file (see
 * options.ts), with the rules across options: listeners, token sources, loopback addresses.
 */
import { loadCommand, type Env, type Loaded, type Options } from '@beats-gate/kit';
import { buildListeners, checkLoopback } from './listeners.ts';
import { CLIENT_COMMAND } from './options.ts';
import type { ClientConfig } from './types.ts';

/** The configuration from the loaded options; rules across options add their problems. */
function build(options: Options<typeof CLIENT_COMMAND.options>): ClientConfig {
  const { problems } = options;
  const allowRemote = options.value('allowRemote');
  const listeners = buildListeners(options);
  const adminListen = options.value('adminListen');
  const admin = checkLoopback(adminListen, options.where('adminListen'), allowRemote, problems);
  const metrics = options.value('metrics');
  if (metrics && !options.given('adminListen')) {
    problems.push(`${options.where('metrics')}: needs an admin listener (--admin-listen)`);
  }
  const backoffInitialMs = options.value('backoffInitialMs');
  const backoffMaxMs = options.value('backoffMaxMs');
  if (backoffMaxMs < backoffInitialMs) {
    problems.push(`${options.where('backoffMaxMs')}: must not be below backoffInitialMs`);
  }
  const probeIntervalMs = options.value('probeIntervalMs');
  if (probeIntervalMs > 0 && probeIntervalMs < 1000) {
    problems.push(`${options.where('probeIntervalMs')}: 0 (off) or at least 1000`);
  }
  const caFile = options.value('caFile');
  const proxy = options.value('proxy');
  return {
    listeners,
    allowRemote,
    pingIntervalMs: options.value('pingIntervalMs'),
    handshakeTimeoutMs: options.value('handshakeTimeoutMs'),
    highWaterMark: options.value('highWaterMarkBytes'),
    maxConnections: options.value('maxConnections'),
    backoffInitialMs,
    backoffMaxMs,
    probeIntervalMs,
    tokenRefreshSkewMs: options.value('tokenRefreshSkewMs'),
    logLevel: options.value('logLevel'),
    ...(caFile === undefined ? {} : { caFile }),
    ...(proxy === undefined ? {} : { proxy }),
    ...(admin ? { admin: { ...admin, metrics } } : {}),
  };
}

/** `argv` without node and the script. Throws one ConfigError listing every problem found. */
export function loadConfig(argv: readonly string[], env: Env): Loaded<ClientConfig> {
  return loadCommand(CLIENT_COMMAND, argv, env, build);
}
