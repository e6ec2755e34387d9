/**
 * The one table of settings: flag, environment variable and config-file key of each, with its type
 * and help text. The command line, the environment reader, the file reader and `--help` are all
 * built from it, so the three sources cannot drift apart.
 */
export type OptionKind = 'string' | 'integer' | 'boolean' | 'headers';

export interface OptionSpec {
  /** Key in the JSON config file (and in the merged raw configuration). */
  readonly key: string;
  /** Command-line flag with its value placeholder, in commander syntax. */
  readonly flag: string;
  /** Environment variable. */
  readonly env: string;
  readonly kind: OptionKind;
  readonly description: string;
  /** Shown in --help; the loader applies defaults itself. */
  readonly defaultText?: string;
  /** May also be given per listener in the config file's `listeners` entries. */
  readonly perListener?: boolean;
  /** A secret: never printed, and discouraged as a flag (visible in `ps`). */
  readonly secret?: boolean;
  /** Only from the environment or the file, never as a flag. */
  readonly noFlag?: boolean;
}

export const ENV_PREFIX = 'BEATS_GATE_';

function spec(
  key: string,
  flag: string,
  kind: OptionKind,
  description: string,
  extra: Partial<OptionSpec> = {},
): OptionSpec {
  const env = ENV_PREFIX + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  return { key, flag, env, kind, description, ...extra };
}

export const OPTIONS: readonly OptionSpec[] = [
  spec(
    'url',
    '--url <wss-url>',
    'string',
    'edge tunnel URL; a bare host gets the path /v1/tunnel',
    {
      perListener: true,
    },
  ),
  spec('listen', '--listen <host:port>', 'string', 'address Beats connects to (one listener)', {
    defaultText: '127.0.0.1:5044',
  }),
  spec('name', '--name <name>', 'string', 'name of that listener in logs and metrics', {
    defaultText: 'default',
  }),
  spec('allowRemote', '--allow-remote', 'boolean', 'allow non-loopback listen/admin addresses', {
    defaultText: 'false',
  }),
  spec(
    'token',
    '--token <jwt>',
    'string',
    'static bearer token (prefer a file: flags show in ps)',
    {
      perListener: true,
      secret: true,
    },
  ),
  spec(
    'tokenFile',
    '--token-file <path>',
    'string',
    'file holding the token, re-read per connection',
    {
      perListener: true,
    },
  ),
  spec(
    'tokenCommand',
    '--token-command <cmd>',
    'string',
    'command printing a token, run with /bin/sh -c (argv array in the file: no shell); cached until shortly before exp',
    { perListener: true },
  ),
  spec(
    'tokenCommandTimeoutMs',
    '--token-command-timeout <ms>',
    'integer',
    'token command time limit',
    {
      defaultText: '10000',
    },
  ),
  spec(
    'oauthTokenUrl',
    '--oauth-token-url <url>',
    'string',
    'OAuth 2.0 token endpoint (client credentials grant)',
    {
      perListener: true,
    },
  ),
  spec('oauthClientId', '--oauth-client-id <id>', 'string', 'OAuth client id', {
    perListener: true,
  }),
  spec(
    'oauthClientSecret',
    '--oauth-client-secret <secret>',
    'string',
    'OAuth client secret (client_secret_basic)',
    {
      perListener: true,
      secret: true,
      noFlag: true,
    },
  ),
  spec(
    'oauthClientSecretFile',
    '--oauth-client-secret-file <path>',
    'string',
    'file holding the OAuth client secret (client_secret_basic)',
    { perListener: true },
  ),
  spec(
    'oauthPrivateKeyFile',
    '--oauth-private-key-file <path>',
    'string',
    'PEM (PKCS#8) or JWK file of the key for private_key_jwt client authentication',
    { perListener: true },
  ),
  spec('oauthSigningAlg', '--oauth-signing-alg <alg>', 'string', 'private_key_jwt algorithm', {
    perListener: true,
    defaultText: 'from the key: ES256/ES384/ES512, EdDSA or RS256',
  }),
  spec('oauthKeyId', '--oauth-key-id <kid>', 'string', 'kid header of the client assertion', {
    perListener: true,
  }),
  spec('oauthScope', '--oauth-scope <scope>', 'string', 'scope parameter of the token request', {
    perListener: true,
  }),
  spec(
    'oauthAudience',
    '--oauth-audience <aud>',
    'string',
    'audience parameter of the token request',
    {
      perListener: true,
    },
  ),
  spec(
    'tokenRefreshSkewMs',
    '--token-refresh-skew <ms>',
    'integer',
    'refresh cached tokens this long before exp',
    {
      defaultText: '60000',
    },
  ),
  spec(
    'caFile',
    '--ca-file <path>',
    'string',
    'extra CA certificates (PEM) trusted for the edge and token endpoint',
  ),
  spec(
    'proxy',
    '--proxy <url>',
    'string',
    'HTTP CONNECT proxy (http://user:pass@host:port); "direct" ignores HTTPS_PROXY',
    { defaultText: 'HTTPS_PROXY/https_proxy unless NO_PROXY matches' },
  ),
  spec(
    'headers',
    '--header <name: value>',
    'headers',
    'extra upgrade request header (repeatable); env: JSON object',
    {
      perListener: true,
    },
  ),
  spec(
    'pingIntervalMs',
    '--ping-interval <ms>',
    'integer',
    'WebSocket ping interval; two missed pongs end the tunnel',
    {
      defaultText: '25000',
    },
  ),
  spec(
    'handshakeTimeoutMs',
    '--handshake-timeout <ms>',
    'integer',
    'limit for connecting and upgrading',
    {
      defaultText: '10000',
    },
  ),
  spec(
    'highWaterMark',
    '--high-water-mark <bytes>',
    'integer',
    'pause Beats reads above this many unsent bytes',
    {
      defaultText: '1048576',
    },
  ),
  spec(
    'maxConnections',
    '--max-connections <n>',
    'integer',
    'concurrent Beats connections per listener',
    {
      defaultText: '64',
    },
  ),
  spec(
    'backoffInitialMs',
    '--backoff-initial <ms>',
    'integer',
    'first backoff ceiling after an edge failure',
    {
      defaultText: '1000',
    },
  ),
  spec(
    'backoffMaxMs',
    '--backoff-max <ms>',
    'integer',
    'largest backoff ceiling (full jitter below it)',
    {
      defaultText: '60000',
    },
  ),
  spec(
    'adminListen',
    '--admin-listen <host:port>',
    'string',
    'serve GET /status (JSON) and /healthz here',
  ),
  spec(
    'metrics',
    '--metrics',
    'boolean',
    'also serve Prometheus metrics at GET /metrics on the admin listener',
    {
      defaultText: 'false',
    },
  ),
  spec(
    'logLevel',
    '--log-level <level>',
    'string',
    'fatal, error, warn, info, debug, trace or silent',
    {
      defaultText: 'info',
    },
  ),
];

/** Keys that choose where a token comes from; exactly one source per listener. */
export const TOKEN_SOURCE_KEYS = ['token', 'tokenFile', 'tokenCommand', 'oauthTokenUrl'] as const;

export const CONFIG_FLAG = '--config <path>';
export const CONFIG_ENV = `${ENV_PREFIX}CONFIG`;
