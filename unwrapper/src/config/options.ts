/**
 * The unwrapper's one option table: flags, BEATS_GATE_UNWRAPPER_* variables, config file keys,
 * --help and the table in docs/unwrapper.md all come from it (see @beats-gate/kit). Defaults are
 * those `createUnwrapper` applies (types.ts), written once.
 */
import {
  bool,
  choice,
  defineCommand,
  file,
  hostPort,
  hostPortList,
  int,
  level,
  list,
  option,
  secret,
  text,
  url,
} from '@beats-gate/kit';
import unwrapperPackage from '../../package.json' with { type: 'json' };
import { DEFAULTS } from './types.ts';
import { upstreamGroups } from './upstream-groups.ts';

const DAY_MS = 24 * 3600 * 1000;
const GiB = 1024 * 1024 * 1024;
const readFile = file({ read: true });

const NOTES = `Rules across options: upstreams and exactly one of assertionKeys/assertionKeysFile \
are required; the upstream TLS files need upstreamTls; a certificate and its key go together; \
the jwt* options need jwtJwksUrl or jwtJwksFile, which need jwtIssuer and jwtAudience.

beats-gate-unwrapper test [options]: checks the configuration, the keys and every upstream (with TLS when configured), one line per step; exit 1 when a step fails.

Documentation: docs/unwrapper.md`;

export const UNWRAPPER_COMMAND = defineCommand({
  name: 'beats-gate-unwrapper',
  summary:
    'Accepts WebSocket tunnels forwarded by the beats-gate edge (checked with the edge ' +
    'assertion) and joins each to one Logstash connection.',
  version: unwrapperPackage.version,
  envPrefix: 'BEATS_GATE_UNWRAPPER_',
  notes: NOTES,
  options: {
    listen: option(hostPort(), 'public listener (WebSocket tunnels)', { default: DEFAULTS.listen }),
    adminListen: option(
      hostPort(),
      'admin listener (/healthz, /readyz, /metrics, /version, POST /tunnels/close)',
      { default: DEFAULTS.adminListen },
    ),
    adminToken: option(
      secret('<token>'),
      'bearer token for POST /tunnels/close on the admin listener (off without one); prefer a file',
      { defaultText: 'none (POST off)' },
    ),
    adminTokenFile: option(readFile, 'file holding the admin token (instead of adminToken)'),
    upstreams: option(hostPortList(), 'Logstash beats inputs', { required: true }),
    upstreamStrategy: option(
      choice(['least-connections', 'round-robin']),
      'how an upstream is chosen for each tunnel',
      { default: DEFAULTS.upstreamStrategy },
    ),
    upstreamConnectTimeoutMs: option(
      int({ min: 50, max: 60_000 }),
      'time to connect (and TLS handshake) to one upstream',
      { default: DEFAULTS.upstreamConnectTimeoutMs },
    ),
    upstreamRetryMs: option(
      int({ min: 0, max: DAY_MS }),
      'how long a failed upstream stays out of rotation unless a probe finds it',
      { default: DEFAULTS.upstreamRetryMs },
    ),
    upstreamProbeIntervalMs: option(
      int({ min: 0, max: DAY_MS }),
      'TCP probe of every upstream for /readyz; 0 disables',
      { default: DEFAULTS.upstreamProbeIntervalMs },
    ),
    upstreamTls: option(bool, 'connect to Logstash with TLS', { default: false }),
    upstreamCaFile: option(readFile, "PEM CA bundle for Logstash's certificate", {
      defaultText: 'system CAs',
    }),
    upstreamServername: option(text('<name>'), 'SNI and certificate name of Logstash', {
      defaultText: 'the upstream host',
    }),
    upstreamCertFile: option(
      readFile,
      'PEM client certificate for Logstash (ssl_client_authentication => required)',
    ),
    upstreamKeyFile: option(readFile, 'PEM private key of that client certificate'),
    assertionKeys: option(
      secret('<kid:secret,…>'),
      'edge assertion keys kid:base64url-secret[,…], current first; prefer the variable or a file',
    ),
    assertionKeysFile: option(
      readFile,
      'file holding the assertion keys (instead of assertionKeys)',
    ),
    assertionMaxAgeSeconds: option(int({ min: 1, max: 60 }), 'oldest accepted assertion iat', {
      default: DEFAULTS.assertionMaxAgeSeconds,
    }),
    assertionClockToleranceSeconds: option(
      int({ min: 0, max: 60 }),
      'allowed clock skew between edge and origin',
      { default: DEFAULTS.assertionClockToleranceSeconds },
    ),
    assertionBindWebsocketKey: option(
      bool,
      "also require the handshake's Sec-WebSocket-Key to match the assertion (off: Cloudflare re-keys the upgrade)",
      { default: DEFAULTS.assertionBindWebsocketKey },
    ),
    replayCacheSize: option(
      int({ min: 1, max: 10_000_000 }),
      'assertion ids remembered to refuse replays',
      { default: DEFAULTS.replayCacheSize },
    ),
    jwtJwksUrl: option(
      url({ protocols: ['https:'], loopbackProtocols: ['http:'] }),
      'also re-verify the forwarded JWT against this JWKS',
    ),
    jwtJwksFile: option(readFile, 'also re-verify the forwarded JWT against this inline JWKS file'),
    jwtIssuer: option(text('<iss>'), 'required iss of the JWT (with jwtJwksUrl/jwtJwksFile)'),
    jwtAudience: option(text('<aud>'), 'required aud of the JWT (with jwtJwksUrl/jwtJwksFile)'),
    jwtAlgorithms: option(list('<alg,…>'), 'accepted JWT algorithms (asymmetric only)', {
      default: ['ES256', 'EdDSA'],
    }),
    jwtClockToleranceSeconds: option(int({ min: 0, max: 300 }), 'clock tolerance for the JWT', {
      default: 5,
    }),
    jwtRequiredScope: option(
      list('<scope,…>'),
      'scopes the JWT must carry (in scope or scp), comma-separated; the edge’s JWT_REQUIRED_SCOPE',
    ),
    jwtMaxTokenAgeSeconds: option(
      int({ min: 1, max: 31_536_000 }),
      'refuse JWTs whose iat is older, as the edge’s JWT_MAX_TOKEN_AGE_SECONDS',
    ),
    maxTunnels: option(
      int({ min: 1, max: 1_000_000 }),
      'open tunnels on this instance; over it upgrades get 503',
      { default: DEFAULTS.maxTunnels },
    ),
    maxTunnelsPerSubject: option(
      int({ min: 1, max: 1_000_000 }),
      'open tunnels per JWT subject; over it upgrades get 429',
      { default: DEFAULTS.maxTunnelsPerSubject },
    ),
    retryAfterSeconds: option(int({ min: 1, max: 3600 }), 'Retry-After sent with 503 and 429', {
      default: DEFAULTS.retryAfterSeconds,
    }),
    maxPayloadBytes: option(
      int({ min: 1024, max: GiB }),
      'largest WebSocket message (a whole compressed window); larger closes 1009',
      { default: DEFAULTS.maxPayloadBytes },
    ),
    highWaterMarkBytes: option(
      int({ min: 1024, max: GiB }),
      'buffered bytes per direction before pausing the other side',
      { default: DEFAULTS.highWaterMarkBytes },
    ),
    pingIntervalMs: option(
      int({ min: 0, max: 600_000 }),
      'WebSocket ping interval; two missed pongs end the tunnel; 0 disables',
      { default: DEFAULTS.pingIntervalMs },
    ),
    closeTimeoutMs: option(
      int({ min: 10, max: 60_000 }),
      'longest wait for a closing side before destroying it',
      { default: DEFAULTS.closeTimeoutMs },
    ),
    shutdownGraceMs: option(
      int({ min: 0, max: DAY_MS }),
      'on SIGTERM, time open tunnels get before closing with 1001',
      { default: DEFAULTS.shutdownGraceMs },
    ),
    tlsCertFile: option(readFile, 'serve the public listener over TLS with this PEM certificate'),
    tlsKeyFile: option(readFile, 'PEM private key of that certificate'),
    tlsClientCaFile: option(
      readFile,
      'require client certificates signed by this CA (Authenticated Origin Pulls)',
    ),
    logLevel: option(level, 'pino log level', { default: 'info' }),
    // Lumberjack-aware mode; everything off by default (docs/unwrapper.md, "Lumberjack-aware mode").
    inspect: option(
      choice(['off', 'validate', 'stamp']),
      'Lumberjack-aware mode: off (byte tunnel), validate (forward only valid events) or stamp (also write the identity into every event)',
      { default: DEFAULTS.inspect },
    ),
    inspectField: option(
      text('<field>'),
      'stamped field: [@metadata][beats_gate], @metadata.beats_gate or a top-level name',
      { default: DEFAULTS.inspectField },
    ),
    inspectClaims: option(list('<claim,…>'), 'token claims copied into the stamped identity', {
      default: DEFAULTS.inspectClaims,
      defaultText: 'none',
    }),
    inspectCompressionLevel: option(
      int({ min: 0, max: 9 }),
      're-compression level of stamped C frames',
      { defaultText: "from each frame's zlib header" },
    ),
    inspectMaxFrameBytes: option(
      int({ min: 1024, max: GiB }),
      'largest J or D frame, or C frame as compressed, one tunnel holds while checking; larger closes 1009',
      { default: DEFAULTS.inspectMaxFrameBytes },
    ),
    inspectMaxInflatedBytes: option(
      int({ min: 1024 * 1024, max: 64 * GiB }),
      'largest inflated content of one C frame (streamed: caps the CPU a zip bomb costs); larger closes 1009',
      { default: DEFAULTS.inspectMaxInflatedBytes },
    ),
    inspectMaxWindowSize: option(
      int({ min: 1, max: 1_000_000 }),
      'largest W count accepted; larger closes 1009',
      { default: DEFAULTS.inspectMaxWindowSize },
    ),
    inspectClaimPolicy: option(
      choice(['off', 'tag', 'reject']),
      'events whose host.name/agent.id disagree with their claim: off, tag (stamp lists them) or reject (close 1008)',
      { default: DEFAULTS.inspectClaimPolicy },
    ),
    inspectHostNameClaim: option(
      text('<claim>'),
      'claim that host.name must equal (claims policy)',
    ),
    inspectAgentIdClaim: option(text('<claim>'), 'claim that agent.id must equal (claims policy)'),
    drainAtWindowBoundary: option(
      bool,
      'on SIGTERM close each tunnel (1001) at a window boundary once its windows are acked',
      { default: DEFAULTS.drainAtWindowBoundary },
    ),
    drainOnTokenExpiry: option(
      bool,
      "close a tunnel (1008) at a window boundary once its token's exp has passed",
      { default: DEFAULTS.drainOnTokenExpiry },
    ),
    upstreamGroups: option(
      upstreamGroups,
      'Logstash lists chosen by a token claim (file: a mapping of lists); other tokens use upstreams',
    ),
    upstreamGroupClaim: option(text('<claim>'), 'token claim that names the upstream group', {
      default: DEFAULTS.upstreamGroupClaim,
    }),
  },
});

export type UnwrapperOptionKey = keyof typeof UNWRAPPER_COMMAND.options;
