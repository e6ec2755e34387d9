/**
 * Every configuration option, once: its config-file key, flag, environment variable, kind, default
 * and help. The loader, `--help` and docs/unwrapper.md all follow this table.
 */
import { DEFAULTS } from './types.ts';

export type OptionKind =
  | 'hostport'
  | 'hostports'
  | 'int'
  | 'strategy'
  | 'bool'
  | 'string'
  | 'list'
  | 'file'
  | 'secret'
  | 'url'
  | 'level';

export interface OptionSpec {
  /** Key in the JSON config file. */
  readonly key: string;
  /** Long flag without the leading dashes. */
  readonly flag: string;
  readonly env: string;
  readonly kind: OptionKind;
  readonly help: string;
  readonly defaultText?: string;
  /** Integer bounds, inclusive. */
  readonly min?: number;
  readonly max?: number;
}

function option(
  key: string,
  kind: OptionKind,
  help: string,
  extra: Partial<Pick<OptionSpec, 'defaultText' | 'min' | 'max'>> = {},
): OptionSpec {
  const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const env = `UNWRAPPER_${flag.replace(/-/g, '_').toUpperCase()}`;
  const fallback = (DEFAULTS as unknown as Record<string, unknown>)[key];
  let defaultText = extra.defaultText;
  if (defaultText === undefined && fallback !== undefined) {
    defaultText = describeDefault(fallback);
  }
  return { key, flag, env, kind, help, ...extra, ...(defaultText ? { defaultText } : {}) };
}

function describeDefault(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  const target = value as { host: string; port: number };
  return `${target.host}:${target.port}`;
}

const DAY_MS = 24 * 3600 * 1000;

export const OPTIONS: readonly OptionSpec[] = [
  option('listen', 'hostport', 'public listener (WebSocket tunnels), host:port'),
  option('adminListen', 'hostport', 'admin listener (/healthz, /readyz, /metrics), host:port'),
  option('upstreams', 'hostports', 'Logstash beats inputs, host:port[,host:port…] (required)'),
  option('upstreamStrategy', 'strategy', 'upstream choice: least-connections or round-robin'),
  option('upstreamConnectTimeoutMs', 'int', 'time to connect (and TLS handshake) to one upstream', {
    min: 50,
    max: 60_000,
  }),
  option(
    'upstreamRetryMs',
    'int',
    'how long a failed upstream stays out of rotation unless a probe finds it',
    { min: 0, max: DAY_MS },
  ),
  option('upstreamProbeIntervalMs', 'int', 'TCP probe of every upstream for /readyz; 0 disables', {
    min: 0,
    max: DAY_MS,
  }),
  option('upstreamTls', 'bool', 'connect to Logstash with TLS', { defaultText: 'false' }),
  option(
    'upstreamCaFile',
    'file',
    "PEM CA bundle for Logstash's certificate (default: system CAs)",
  ),
  option(
    'upstreamServername',
    'string',
    'SNI and certificate name of Logstash (default: the upstream host)',
  ),
  option(
    'upstreamCertFile',
    'file',
    'PEM client certificate for Logstash (ssl_verify_mode => force_peer)',
  ),
  option('upstreamKeyFile', 'file', 'PEM private key of that client certificate'),
  option(
    'assertionKeys',
    'secret',
    'edge assertion keys kid:base64url-secret[,…], current first; prefer the env var or a file',
  ),
  option('assertionKeysFile', 'file', 'file holding the assertion keys (instead of assertionKeys)'),
  option('assertionMaxAgeSeconds', 'int', 'oldest accepted assertion iat', { min: 1, max: 60 }),
  option('assertionClockToleranceSeconds', 'int', 'allowed clock skew between edge and origin', {
    min: 0,
    max: 60,
  }),
  option(
    'assertionBindWebsocketKey',
    'bool',
    "also require the handshake's Sec-WebSocket-Key to match the assertion (off: Cloudflare re-keys the upgrade)",
  ),
  option('replayCacheSize', 'int', 'assertion ids remembered to refuse replays', {
    min: 1,
    max: 10_000_000,
  }),
  option('jwtJwksUrl', 'url', 'also re-verify the forwarded JWT against this JWKS (https)'),
  option('jwtJwksFile', 'file', 'also re-verify the forwarded JWT against this inline JWKS file'),
  option('jwtIssuer', 'string', 'required iss of the JWT (with jwtJwksUrl/jwtJwksFile)'),
  option('jwtAudience', 'string', 'required aud of the JWT (with jwtJwksUrl/jwtJwksFile)'),
  option('jwtAlgorithms', 'list', 'accepted JWT algorithms (asymmetric only)', {
    defaultText: 'ES256,EdDSA',
  }),
  option('jwtClockToleranceSeconds', 'int', 'clock tolerance for the JWT', {
    min: 0,
    max: 300,
    defaultText: '5',
  }),
  option('maxTunnels', 'int', 'open tunnels on this instance; over it upgrades get 503', {
    min: 1,
    max: 1_000_000,
  }),
  option('maxTunnelsPerSubject', 'int', 'open tunnels per JWT subject; over it upgrades get 429', {
    min: 1,
    max: 1_000_000,
  }),
  option('retryAfterSeconds', 'int', 'Retry-After sent with 503 and 429', { min: 1, max: 3600 }),
  option(
    'maxPayloadBytes',
    'int',
    'largest WebSocket message (a whole compressed window); larger closes 1009',
    { min: 1024, max: 1024 * 1024 * 1024 },
  ),
  option(
    'highWaterMarkBytes',
    'int',
    'buffered bytes per direction before pausing the other side',
    { min: 1024, max: 1024 * 1024 * 1024 },
  ),
  option(
    'pingIntervalMs',
    'int',
    'WebSocket ping interval; two missed pongs end the tunnel; 0 disables',
    { min: 0, max: 600_000 },
  ),
  option('closeTimeoutMs', 'int', 'longest wait for a closing side before destroying it', {
    min: 10,
    max: 60_000,
  }),
  option('shutdownGraceMs', 'int', 'on SIGTERM, time open tunnels get before closing with 1001', {
    min: 0,
    max: DAY_MS,
  }),
  option('tlsCertFile', 'file', 'serve the public listener over TLS with this PEM certificate'),
  option('tlsKeyFile', 'file', 'PEM private key of that certificate'),
  option(
    'tlsClientCaFile',
    'file',
    'require client certificates signed by this CA (Authenticated Origin Pulls)',
  ),
  option('logLevel', 'level', 'pino level: fatal, error, warn, info, debug, trace, silent'),
];

/** The file key of the config file path itself; not a file option. */
export const CONFIG_FLAG = { flag: 'config', env: 'UNWRAPPER_CONFIG' } as const;
