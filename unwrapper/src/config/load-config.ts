/**
 * The unwrapper's configuration from flags, BEATS_GATE_UNWRAPPER_* variables and the config file
 * (see options.ts), with the rules across options: keys, TLS material, the JWT re-check and the
 * Lumberjack-aware combinations (inspect-config.ts), each problem naming its source.
 */
import {
  bothOrNeither,
  loadCommand,
  onlyWith,
  type Env,
  type FileContent,
  type Loaded,
  type Options,
} from '@beats-gate/kit';
import {
  ASYMMETRIC_JWS_ALGORITHMS,
  AssertionKeyError,
  parseAssertionKeys,
  type AssertionKey,
} from '@beats-gate/protocol';
import type { JSONWebKeySet } from 'jose';
import { InspectConfigError, resolveInspect } from './inspect-config.ts';
import { UNWRAPPER_COMMAND, type UnwrapperOptionKey } from './options.ts';
import type { UnwrapperConfig } from './types.ts';

export { ConfigError } from '@beats-gate/kit';

type UnwrapperOptions = Options<typeof UNWRAPPER_COMMAND.options>;

const text = (file: FileContent | undefined) => file?.content.toString('utf8');

/** The configuration from the loaded options; rules across options add their problems. */
function build(options: UnwrapperOptions): UnwrapperConfig {
  const value = <K extends UnwrapperOptionKey>(key: K) => options.value(key);
  const optional = <K extends UnwrapperOptionKey>(key: K) => {
    const found = options.value(key);
    return found === undefined ? {} : { [key]: found };
  };
  const adminToken = oneOf(options, 'adminToken', 'adminTokenFile', { required: false });
  const config: UnwrapperConfig = {
    listen: value('listen'),
    adminListen: value('adminListen'),
    upstreams: value('upstreams') ?? [],
    upstreamStrategy: value('upstreamStrategy'),
    upstreamConnectTimeoutMs: value('upstreamConnectTimeoutMs'),
    upstreamRetryMs: value('upstreamRetryMs'),
    upstreamProbeIntervalMs: value('upstreamProbeIntervalMs'),
    assertionKeys: assertionKeys(options),
    assertionMaxAgeSeconds: value('assertionMaxAgeSeconds'),
    assertionClockToleranceSeconds: value('assertionClockToleranceSeconds'),
    assertionBindWebsocketKey: value('assertionBindWebsocketKey'),
    replayCacheSize: value('replayCacheSize'),
    maxTunnels: value('maxTunnels'),
    maxTunnelsPerSubject: value('maxTunnelsPerSubject'),
    retryAfterSeconds: value('retryAfterSeconds'),
    maxPayloadBytes: value('maxPayloadBytes'),
    highWaterMarkBytes: value('highWaterMarkBytes'),
    pingIntervalMs: value('pingIntervalMs'),
    closeTimeoutMs: value('closeTimeoutMs'),
    shutdownGraceMs: value('shutdownGraceMs'),
    logLevel: value('logLevel'),
    inspect: value('inspect'),
    inspectField: value('inspectField'),
    inspectClaims: value('inspectClaims'),
    inspectMaxFrameBytes: value('inspectMaxFrameBytes'),
    inspectMaxInflatedBytes: value('inspectMaxInflatedBytes'),
    inspectMaxWindowSize: value('inspectMaxWindowSize'),
    inspectClaimPolicy: value('inspectClaimPolicy'),
    drainAtWindowBoundary: value('drainAtWindowBoundary'),
    drainOnTokenExpiry: value('drainOnTokenExpiry'),
    upstreamGroupClaim: value('upstreamGroupClaim'),
    ...optional('inspectCompressionLevel'),
    ...optional('inspectHostNameClaim'),
    ...optional('inspectAgentIdClaim'),
    ...optional('upstreamGroups'),
    ...(adminToken === undefined ? {} : { adminToken: checkAdminToken(options, adminToken) }),
    ...upstreamTls(options),
    ...jwt(options),
    ...listenerTls(options),
  };
  checkInspect(options, config);
  return config;
}

/** `argv` without node and the script. Throws one ConfigError listing every problem found. */
export function loadConfig(argv: readonly string[], env: Env): Loaded<UnwrapperConfig> {
  return loadCommand(UNWRAPPER_COMMAND, argv, env, build);
}

/**
 * A secret given inline or as a file, not both: `{ text, where }` of the one given, if any.
 * A file's content is trimmed (a trailing newline is not part of the secret).
 */
function oneOf(
  options: UnwrapperOptions,
  inline: 'adminToken' | 'assertionKeys',
  file: 'adminTokenFile' | 'assertionKeysFile',
  rule: { required: boolean },
): { text: string; where: string } | undefined {
  const { problems } = options;
  if (options.given(inline) && options.given(file)) {
    problems.push(
      `${options.where(inline)} and ${options.where(file)}: give one of them, not both`,
    );
    return undefined;
  }
  if (!options.given(inline) && !options.given(file)) {
    if (rule.required) {
      problems.push(`${options.where(inline)}, or ${options.where(file)}: required`);
    }
    return undefined;
  }
  const found = options.given(inline) ? options.value(inline) : text(options.value(file));
  if (found === undefined) return undefined;
  return { text: found.trim(), where: options.where(options.given(inline) ? inline : file) };
}

/** Optional; long enough that it cannot be guessed over the network (openssl rand -hex 32). */
function checkAdminToken(options: UnwrapperOptions, token: { text: string; where: string }) {
  if (token.text.length < 32 || /\s/.test(token.text)) {
    options.problems.push(
      `${token.where}: expected a token of at least 32 characters without spaces (openssl rand -hex 32)`,
    );
  }
  return token.text;
}

function assertionKeys(options: UnwrapperOptions): AssertionKey[] {
  const source = oneOf(options, 'assertionKeys', 'assertionKeysFile', { required: true });
  if (source === undefined) return [];
  try {
    return parseAssertionKeys(source.text);
  } catch (error) {
    // AssertionKeyError names the key id or position, never the secret; anything else (atob
    // rejecting a malformed secret) gets a generic message, since it cannot name the key.
    options.problems.push(
      error instanceof AssertionKeyError
        ? `${source.where}: ${error.message}`
        : `${source.where}: expected "kid:base64url-secret[,…]" (a secret is not valid base64url)`,
    );
    return [];
  }
}

const UPSTREAM_TLS_PARTS = [
  'upstreamCaFile',
  'upstreamServername',
  'upstreamCertFile',
  'upstreamKeyFile',
] as const;

function upstreamTls(options: UnwrapperOptions): Pick<UnwrapperConfig, 'upstreamTls'> {
  onlyWith(
    options,
    UPSTREAM_TLS_PARTS,
    options.value('upstreamTls'),
    'upstreamTls (--upstream-tls)',
  );
  if (!options.value('upstreamTls')) return {};
  bothOrNeither(options, 'upstreamCertFile', 'upstreamKeyFile');
  const servername = options.value('upstreamServername');
  return {
    upstreamTls: {
      ca: options.value('upstreamCaFile')?.content,
      cert: options.value('upstreamCertFile')?.content,
      key: options.value('upstreamKeyFile')?.content,
      ...(servername === undefined ? {} : { servername }),
    },
  };
}

function listenerTls(options: UnwrapperOptions): Pick<UnwrapperConfig, 'tls'> {
  const cert = options.value('tlsCertFile')?.content;
  const key = options.value('tlsKeyFile')?.content;
  const clientCa = options.value('tlsClientCaFile')?.content;
  bothOrNeither(options, 'tlsCertFile', 'tlsKeyFile');
  onlyWith(
    options,
    ['tlsClientCaFile'],
    options.given('tlsCertFile'),
    'tlsCertFile and tlsKeyFile',
  );
  if (!cert || !key) return {};
  return { tls: { cert, key, ...(clientCa ? { clientCa } : {}) } };
}

const JWT_DETAILS = [
  'jwtIssuer',
  'jwtAudience',
  'jwtAlgorithms',
  'jwtClockToleranceSeconds',
  'jwtRequiredScope',
  'jwtMaxTokenAgeSeconds',
] as const;

function jwt(options: UnwrapperOptions): Pick<UnwrapperConfig, 'jwt'> {
  const { problems } = options;
  const url = options.value('jwtJwksUrl');
  const file = options.value('jwtJwksFile');
  const reverified = options.given('jwtJwksUrl') || options.given('jwtJwksFile');
  onlyWith(options, JWT_DETAILS, reverified, 'jwtJwksUrl or jwtJwksFile');
  if (!reverified) return {};
  if (options.given('jwtJwksUrl') && options.given('jwtJwksFile')) {
    problems.push(
      `${options.where('jwtJwksUrl')} and ${options.where('jwtJwksFile')}: give one of them`,
    );
  }
  let jwks: JSONWebKeySet | undefined;
  if (file) {
    try {
      jwks = JSON.parse(file.content.toString('utf8')) as JSONWebKeySet;
      if (!Array.isArray(jwks.keys)) throw new TypeError('no "keys" array');
    } catch {
      problems.push(`${options.where('jwtJwksFile')}: not a JWKS (JSON with a "keys" array)`);
    }
  }
  const issuer = options.value('jwtIssuer');
  const audience = options.value('jwtAudience');
  for (const key of ['jwtIssuer', 'jwtAudience'] as const) {
    if (!options.given(key))
      problems.push(`${options.where(key)}: required when the JWT is re-verified`);
  }
  const algorithms = options.value('jwtAlgorithms');
  const accepted: readonly string[] = ASYMMETRIC_JWS_ALGORITHMS;
  const bad = algorithms.filter((alg) => !accepted.includes(alg));
  if (bad.length > 0) {
    problems.push(
      `${options.where('jwtAlgorithms')}: not an accepted asymmetric algorithm: ${bad.join(', ')} (use ${accepted.join(', ')})`,
    );
  }
  return {
    jwt: {
      ...(url ? { jwksUrl: url.href } : {}),
      ...(jwks ? { jwks } : {}),
      issuer: issuer ?? '',
      audience: audience ?? '',
      algorithms,
      clockToleranceSeconds: options.value('jwtClockToleranceSeconds'),
      ...(options.given('jwtRequiredScope')
        ? { requiredScopes: options.value('jwtRequiredScope') }
        : {}),
      ...(options.given('jwtMaxTokenAgeSeconds')
        ? { maxTokenAgeSeconds: options.value('jwtMaxTokenAgeSeconds') }
        : {}),
    },
  };
}

/** The Lumberjack-aware combinations, checked where createUnwrapper checks them. */
function checkInspect(options: UnwrapperOptions, config: UnwrapperConfig): void {
  try {
    resolveInspect(config);
  } catch (error) {
    if (!(error instanceof InspectConfigError)) throw error;
    for (const { key, problem } of error.problems) {
      options.problems.push(`${options.where(key as UnwrapperOptionKey)}: ${problem}`);
    }
  }
}
