/**
 * The unwrapper's configuration as the code uses it: parsed, typed and complete. `loadConfig`
 * builds it from flags, environment and a file; `createUnwrapper` accepts a partial one and fills
 * the rest from `DEFAULTS`, so tests and the local stack only name what they change.
 */
import type { HostPort } from '@beats-gate/kit';
import type { AssertionKey } from '@beats-gate/protocol';
import type { JSONWebKeySet } from 'jose';

export type { HostPort };

export type UpstreamStrategy = 'least-connections' | 'round-robin';

export interface UpstreamTlsConfig {
  /** PEM CA bundle that signed Logstash's certificate; the system store when absent. */
  readonly ca?: string | Buffer;
  /** Client certificate and key (PEM) when Logstash verifies clients (`ssl_verify_mode`). */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** SNI and the name checked in Logstash's certificate; the upstream host when absent. */
  readonly servername?: string;
}

export interface JwtConfig {
  /** Remote JWKS (fetched by jose, cached, with a cooldown) … */
  readonly jwksUrl?: string;
  /** … or an inline key set. Exactly one of the two. */
  readonly jwks?: JSONWebKeySet;
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
  /** Scopes the JWT must carry, as the edge's JWT_REQUIRED_SCOPE. */
  readonly requiredScopes?: readonly string[];
  /** Refuse JWTs whose iat is older, as the edge's JWT_MAX_TOKEN_AGE_SECONDS. */
  readonly maxTokenAgeSeconds?: number;
}

export interface ListenerTlsConfig {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** CA of the client certificates to require (Authenticated Origin Pulls); none when absent. */
  readonly clientCa?: string | Buffer;
}

export interface UnwrapperConfig {
  readonly listen: HostPort;
  readonly adminListen: HostPort;
  /** Bearer token of the admin API's POST /tunnels/close; absent: that endpoint answers 403. */
  readonly adminToken?: string;
  readonly upstreams: readonly HostPort[];
  readonly upstreamStrategy: UpstreamStrategy;
  readonly upstreamConnectTimeoutMs: number;
  /** How long an upstream that failed stays out of rotation unless a probe finds it back. */
  readonly upstreamRetryMs: number;
  /** 0 disables probing; readiness then only reflects failed connects. */
  readonly upstreamProbeIntervalMs: number;
  /** Absent: plain TCP to Logstash. */
  readonly upstreamTls?: UpstreamTlsConfig;
  readonly assertionKeys: readonly AssertionKey[];
  readonly assertionMaxAgeSeconds: number;
  readonly assertionClockToleranceSeconds: number;
  /**
   * Also require the handshake's Sec-WebSocket-Key to be the one the edge signed. Off by default:
   * Cloudflare's runtime re-keys the upgrade it forwards, so only single use (the replay cache)
   * protects there; turn it on where the handshake reaches origin unchanged.
   */
  readonly assertionBindWebsocketKey: boolean;
  readonly replayCacheSize: number;
  readonly jwt?: JwtConfig;
  readonly maxTunnels: number;
  readonly maxTunnelsPerSubject: number;
  readonly retryAfterSeconds: number;
  readonly maxPayloadBytes: number;
  readonly highWaterMarkBytes: number;
  readonly pingIntervalMs: number;
  readonly closeTimeoutMs: number;
  readonly shutdownGraceMs: number;
  readonly tls?: ListenerTlsConfig;
  readonly logLevel: string;
  /**
   * Lumberjack-aware mode (docs/unwrapper.md, "Lumberjack-aware mode"): 'off' is the byte tunnel;
   * 'validate' forwards only complete, valid windows; 'stamp' also writes the verified identity
   * into every event.
   */
  readonly inspect: InspectModeOption;
  /** Where the identity goes: `[@metadata][beats_gate]`, `@metadata.beats_gate` or a name. */
  readonly inspectField: string;
  /** Claims of the token copied into the stamped identity. */
  readonly inspectClaims: readonly string[];
  /** Level for re-compressed C frames; from each frame's zlib header when absent. */
  readonly inspectCompressionLevel?: number;
  /** Largest J or D frame, and largest C frame (compressed), one tunnel may hold. */
  readonly inspectMaxFrameBytes: number;
  /** Largest inflated content of one C frame (streamed: a bound on CPU, not memory). */
  readonly inspectMaxInflatedBytes: number;
  readonly inspectMaxWindowSize: number;
  readonly inspectClaimPolicy: ClaimPolicyOption;
  /** Claim that host.name must equal, and the one agent.id must equal. */
  readonly inspectHostNameClaim?: string;
  readonly inspectAgentIdClaim?: string;
  /** On SIGTERM, close each tunnel at a window boundary once its windows are acknowledged. */
  readonly drainAtWindowBoundary: boolean;
  /** Close with 1008 at a window boundary once the token's exp has passed. */
  readonly drainOnTokenExpiry: boolean;
  /** Upstream list per value of the group claim; `upstreams` is the default group. */
  readonly upstreamGroups?: Readonly<Record<string, readonly HostPort[]>>;
  readonly upstreamGroupClaim: string;
}

export type InspectModeOption = 'off' | 'validate' | 'stamp';
export type ClaimPolicyOption = 'off' | 'tag' | 'reject';

type Defaulted = Omit<
  UnwrapperConfig,
  'upstreams' | 'assertionKeys' | 'upstreamTls' | 'jwt' | 'tls'
>;

export const DEFAULTS: Defaulted = {
  listen: { host: '127.0.0.1', port: 8080 },
  adminListen: { host: '127.0.0.1', port: 9090 },
  upstreamStrategy: 'least-connections',
  upstreamConnectTimeoutMs: 2000,
  upstreamRetryMs: 5000,
  upstreamProbeIntervalMs: 5000,
  assertionMaxAgeSeconds: 60,
  assertionClockToleranceSeconds: 5,
  assertionBindWebsocketKey: false,
  replayCacheSize: 200_000,
  maxTunnels: 1000,
  maxTunnelsPerSubject: 8,
  retryAfterSeconds: 5,
  maxPayloadBytes: 64 * 1024 * 1024,
  highWaterMarkBytes: 1024 * 1024,
  pingIntervalMs: 25_000,
  closeTimeoutMs: 1000,
  shutdownGraceMs: 20_000,
  logLevel: 'info',
  inspect: 'off',
  inspectField: '[@metadata][beats_gate]',
  inspectClaims: [],
  inspectMaxFrameBytes: 64 * 1024 * 1024,
  inspectMaxInflatedBytes: 256 * 1024 * 1024,
  inspectMaxWindowSize: 65536,
  inspectClaimPolicy: 'off',
  drainAtWindowBoundary: false,
  drainOnTokenExpiry: false,
  upstreamGroupClaim: 'tenant',
};

/** What `createUnwrapper` accepts: the required parts plus any defaults to override. */
export type UnwrapperInput = Partial<UnwrapperConfig> &
  Pick<UnwrapperConfig, 'upstreams' | 'assertionKeys'>;

export function withDefaults(input: UnwrapperInput): UnwrapperConfig {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  return { ...DEFAULTS, ...defined } as UnwrapperConfig;
}
