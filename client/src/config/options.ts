/**
 * The client's one option table. The command line, the BEATS_GATE_CLIENT_* variables, the config
 * file keys, --help and the table in docs/client.md all come from it (see @beats-gate/kit).
 */
import {
  bool,
  choice,
  defineCommand,
  file,
  hostPort,
  int,
  level,
  option,
  secret,
  text,
  url,
} from '@beats-gate/kit';
import clientPackage from '../../package.json' with { type: 'json' };
import {
  edgeUrl,
  headers,
  listenerName,
  proxy,
  staticToken,
  tokenCommand,
} from './client-kinds.ts';

const OAUTH_ALGS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'RS256', 'PS256'] as const;
const perListener = { inEntries: true } as const;
const HOUR_MS = 3_600_000;
/** Logstash's ssl_client_authentication values, so an Elastic operator reads them as they know them. */
export const LISTEN_TLS_CLIENT_AUTHENTICATION = ['none', 'optional', 'required'] as const;

const NOTES = `The config file may define several listeners instead of --listen, each with the \
options marked "also per listener" (YAML here; JSON has the same keys):
  url: wss://telemetry.example.com/v1/tunnel
  tokenFile: /etc/beats-gate/token
  listeners:
    - { name: filebeat, listen: 127.0.0.1:5044 }
    - name: packetbeat
      listen: 127.0.0.1:5045
      tokenFile: /etc/beats-gate/pb

Exactly one token source per listener: token, tokenFile, tokenCommand or oauthTokenUrl.

While the edge is unreachable or answers 429/5xx the client backs off (full jitter, honouring \
Retry-After) and resets new Beats connections at once, so Beats backs off and resends later.

beats-gate-client test [options]: checks the listener TLS files, CA file, token, proxy, edge, origin and Logstash with this configuration, one line per step; exit 1 at the first failure, 2 for an invalid configuration. It sends no events.

Documentation: docs/client.md`;

export const CLIENT_COMMAND = defineCommand({
  name: 'beats-gate-client',
  summary:
    'Listens for Beats (Lumberjack) connections on loopback and carries each one over its own ' +
    'authenticated WebSocket (wss) to the beats-gate edge.',
  version: clientPackage.version,
  envPrefix: 'BEATS_GATE_CLIENT_',
  entries: { key: 'listeners', label: 'listener' },
  notes: NOTES,
  options: {
    url: option(edgeUrl, 'edge tunnel URL; a bare host gets the path /v1/tunnel', perListener),
    listen: option(hostPort(), 'address Beats connects to', {
      default: { host: '127.0.0.1', port: 5044 },
      ...perListener,
    }),
    name: option(listenerName, 'name of the listener in logs and metrics', {
      default: 'default',
      ...perListener,
    }),
    allowRemote: option(bool, 'allow non-loopback listen and admin addresses', { default: false }),
    listenTlsCertFile: option(
      file(),
      'serve TLS on the listener with this PEM certificate (needs listenTlsKeyFile); re-read when the file changes',
      perListener,
    ),
    listenTlsKeyFile: option(
      file(),
      'PEM private key of listenTlsCertFile (unencrypted); re-read when the file changes',
      perListener,
    ),
    listenTlsCaFile: option(
      file(),
      "PEM CA certificates that sign the Beats' (Elastic Agent's) client certificates",
      perListener,
    ),
    listenTlsClientAuthentication: option(
      choice(LISTEN_TLS_CLIENT_AUTHENTICATION),
      'client certificates: none (not asked for), optional (checked when sent), required',
      { ...perListener, defaultText: 'required with listenTlsCaFile, else none' },
    ),
    token: option(
      staticToken,
      'static bearer token (prefer a file: flags show in ps)',
      perListener,
    ),
    tokenFile: option(file(), 'file holding the token, re-read per connection', perListener),
    tokenCommand: option(
      tokenCommand,
      'command printing a token, run with /bin/sh -c (a list in the file runs without a shell); a JWT is cached until shortly before exp',
      perListener,
    ),
    tokenCommandTimeoutMs: option(int({ min: 100, max: 300_000 }), 'token command time limit', {
      default: 10_000,
    }),
    oauthTokenUrl: option(
      url({ protocols: ['https:'], loopbackProtocols: ['http:'] }),
      'OAuth 2.0 token endpoint (client credentials grant)',
      perListener,
    ),
    oauthClientId: option(text('<id>'), 'OAuth client id', perListener),
    oauthClientSecret: option(secret(), 'OAuth client secret (client_secret_basic)', {
      ...perListener,
      noFlag: true,
    }),
    oauthClientSecretFile: option(
      file(),
      'file holding the OAuth client secret (client_secret_basic), re-read per token request',
      perListener,
    ),
    oauthPrivateKeyFile: option(
      file(),
      'PEM (PKCS#8) or JWK file of the key for private_key_jwt client authentication',
      perListener,
    ),
    oauthSigningAlg: option(
      choice(OAUTH_ALGS, '<alg>'),
      `private_key_jwt algorithm: ${OAUTH_ALGS.join(', ')}`,
      {
        ...perListener,
        defaultText: 'from the key: ES256/ES384/ES512, EdDSA or RS256',
      },
    ),
    oauthKeyId: option(text('<kid>'), 'kid header of the client assertion', perListener),
    oauthScope: option(text('<scope>'), 'scope parameter of the token request', perListener),
    oauthAudience: option(text('<aud>'), 'audience parameter of the token request', perListener),
    tokenRefreshSkewMs: option(
      int({ min: 0, max: HOUR_MS }),
      "refresh cached tokens this long before exp (at most half the token's lifetime)",
      { default: 60_000 },
    ),
    caFile: option(
      file(),
      'extra CA certificates (PEM) trusted for the edge and the token endpoint, besides the system ones',
    ),
    proxy: option(
      proxy,
      'HTTP CONNECT proxy (http://user:pass@host:port); "direct" ignores HTTPS_PROXY',
      { defaultText: 'HTTPS_PROXY/https_proxy unless NO_PROXY matches' },
    ),
    headers: option(
      headers,
      'extra upgrade request header; the flag repeats, the variable is a JSON object ({"X-Device-Group":"plant-7"}), the file key an object; merged over the top-level ones per listener',
      perListener,
    ),
    pingIntervalMs: option(
      int({ min: 1000, max: 600_000 }),
      'WebSocket ping interval; two missed intervals without a pong (or any frame) end the tunnel',
      { default: 25_000 },
    ),
    handshakeTimeoutMs: option(
      int({ min: 100, max: 120_000 }),
      'limit for connecting (through the proxy) and upgrading',
      { default: 10_000 },
    ),
    highWaterMarkBytes: option(
      int({ min: 1024, max: 64 * 1024 * 1024 }),
      'pause Beats reads above this many unsent bytes',
      { default: 1024 * 1024 },
    ),
    maxConnections: option(
      int({ min: 1, max: 10_000 }),
      'concurrent Beats connections per listener; more are reset',
      { default: 64 },
    ),
    backoffInitialMs: option(
      int({ min: 1, max: HOUR_MS }),
      'first backoff ceiling after an edge failure',
      { default: 1000 },
    ),
    backoffMaxMs: option(
      int({ min: 1, max: HOUR_MS }),
      'largest backoff ceiling (full jitter below it)',
      { default: 60_000 },
    ),
    probeIntervalMs: option(
      int({ min: 0, max: HOUR_MS }),
      'while no tunnel opened for this long, open and close one to keep /readyz true; 0 turns probes off',
      { default: 60_000 },
    ),
    adminListen: option(
      hostPort(),
      'serve GET /status (JSON), /healthz, /readyz and /version here',
    ),
    metrics: option(bool, 'also serve Prometheus metrics at GET /metrics on the admin listener', {
      default: false,
    }),
    logLevel: option(level, 'pino log level', { default: 'info' }),
  },
});

export type ClientOptionKey = keyof typeof CLIENT_COMMAND.options;

/** Keys that choose where a token comes from; exactly one source per listener. */
export const TOKEN_SOURCE_KEYS = ['token', 'tokenFile', 'tokenCommand', 'oauthTokenUrl'] as const;
