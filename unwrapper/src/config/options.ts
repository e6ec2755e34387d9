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
  | 'level'
  | 'choice'
  | 'groups';

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
  /** The accepted values of a 'choice'. */
  readonly choices?: readonly string[];
}

function option(
  key: string,
  kind: OptionKind,
  help: string,
  extra: Partial<Pick<OptionSpec, 'defaultText' | 'min' | 'max' | 'choices'>> = {},
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
  if (Array.isArray(value)) return value.length > 0 ? value.join(',') : 'none';
  const target = value as { host: string; port: number };
  return `${target.host}:${target.port}`;
}

const DAY_MS = 24 * 3600 * 1000;

export const OPTIONS: readonly OptionSpec[] = [
  option('listen', 'hostport', 'public listener (WebSocket tunnels), host:port'),
  option(
    'adminListen',
    'hostport',
    'admin listener (/healthz, /readyz, /metrics, POST /tunnels/close), host:port',
  ),
  option(
    'adminToken',
    'secret',
    'bearer token for POST /tunnels/close on the admin listener (off without one); prefer a file',
  ),
  option('adminTokenFile', 'file', 'file holding the admin token (instead of adminToken)'),
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
  // Lumberjack-aware mode; everything off by default (docs/unwrapper.md, "Lumberjack-aware mode").
  option(
    'inspect',
    'choice',
    'Lumberjack-aware mode: off (byte tunnel), validate (forward only valid events) or stamp (also write the identity into every event)',
    { choices: ['off', 'validate', 'stamp'] },
  ),
  option(
    'inspectField',
    'string',
    'stamped field: [@metadata][beats_gate], @metadata.beats_gate or a top-level name',
  ),
  option('inspectClaims', 'list', 'token claims copied into the stamped identity'),
  option(
    'inspectCompressionLevel',
    'int',
    're-compression level of stamped C frames (default: from each frame’s zlib header)',
    { min: 0, max: 9 },
  ),
  option(
    'inspectMaxFrameBytes',
    'int',
    'largest J or D frame, or C frame as compressed, one tunnel holds while checking; larger closes 1009',
    { min: 1024, max: 1024 * 1024 * 1024 },
  ),
  option(
    'inspectMaxInflatedBytes',
    'int',
    'largest inflated content of one C frame (streamed: caps the CPU a zip bomb costs); larger closes 1009',
    { min: 1024 * 1024, max: 64 * 1024 * 1024 * 1024 },
  ),
  option('inspectMaxWindowSize', 'int', 'largest W count accepted; larger closes 1009', {
    min: 1,
    max: 1_000_000,
  }),
  option(
    'inspectClaimPolicy',
    'choice',
    'events whose host.name/agent.id disagree with their claim: off, tag (stamp lists them) or reject (close 1008)',
    { choices: ['off', 'tag', 'reject'] },
  ),
  option('inspectHostNameClaim', 'string', 'claim that host.name must equal (claims policy)'),
  option('inspectAgentIdClaim', 'string', 'claim that agent.id must equal (claims policy)'),
  option(
    'drainAtWindowBoundary',
    'bool',
    'on SIGTERM close each tunnel (1001) at a window boundary once its windows are acked',
  ),
  option(
    'drainOnTokenExpiry',
    'bool',
    "close a tunnel (1008) at a window boundary once its token's exp has passed",
  ),
  option(
    'upstreamGroups',
    'groups',
    'Logstash lists chosen by a token claim: group=host:port[,…][;group=…]; others use upstreams',
  ),
  option('upstreamGroupClaim', 'string', 'token claim that names the upstream group'),
];

/** The file key of the config file path itself; not a file option. */
export const CONFIG_FLAG = { flag: 'config', env: 'UNWRAPPER_CONFIG' } as const;
