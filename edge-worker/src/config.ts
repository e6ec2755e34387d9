/**
 * The one typed loader of the edge's configuration (wrangler vars, secrets and bindings). It
 * reports every problem at once; a worker whose configuration does not load answers 500 to every
 * tunnel request, so a typo can never turn into an open door.
 */
import {
  parseAssertionKeys,
  ASSERTION_MAX_TTL_SECONDS,
  type AssertionKey,
} from '@beats-gate/protocol';
import type { JSONWebKeySet } from 'jose';
import {
  isAnalyticsDataset,
  isDenyList,
  isRateLimiter,
  type AnalyticsDataset,
  type DenyList,
  type RateLimiter,
} from './bindings.ts';
import { createConfigReader } from './config-reader.ts';
import { parseAlgorithms, parseJwks, parseJwksUrl, parseOriginUrl } from './config-values.ts';

export type KeySource =
  | {
      readonly kind: 'remote';
      readonly url: URL;
      readonly cacheMaxAgeMs: number;
      readonly cooldownMs: number;
      readonly timeoutMs: number;
    }
  | { readonly kind: 'inline'; readonly jwks: JSONWebKeySet };

export interface EdgeConfig {
  readonly originUrl: URL;
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly algorithms: readonly string[];
  readonly keySource: KeySource;
  readonly clockToleranceSeconds: number;
  readonly maxTokenAgeSeconds?: number;
  readonly requiredScopes: readonly string[];
  readonly maxTokenBytes: number;
  readonly forwardClaims: readonly string[];
  readonly forwardAuthorization: boolean;
  /** Query parameter that may carry the token; `undefined` unless ALLOW_QUERY_TOKEN is on. */
  readonly queryTokenParam?: string;
  /** Always checked, so a token sent in the URL by mistake is refused with a clear code. */
  readonly rejectedQueryParams: readonly string[];
  readonly assertionTtlSeconds: number;
  readonly assertionKeys: readonly AssertionKey[];
  readonly retryAfterSeconds: number;
  readonly denyList?: DenyList;
  readonly upgradeLimiter?: RateLimiter;
  readonly failureLimiter?: RateLimiter;
  /** Gets one data point per upgrade (src/outcomes.ts). */
  readonly outcomes?: AnalyticsDataset;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: EdgeConfig; readonly notices: readonly string[] }
  | { readonly ok: false; readonly problems: readonly string[] };

const QUERY_PARAM_PATTERN = /^[A-Za-z0-9._~-]{1,64}$/;

export function loadConfig(env: Readonly<Record<string, unknown>>): ConfigResult {
  const read = createConfigReader(env);
  const { problems } = read;
  const notices: string[] = [];

  const originUrl = parseOriginUrl(read.required('ORIGIN_URL'), problems);
  const issuer = read.required('JWT_ISSUER');
  const audience = read.list('JWT_AUDIENCE');
  if (audience.length === 0) problems.push('JWT_AUDIENCE is required (comma-separated list)');
  const algorithms = parseAlgorithms(read.list('JWT_ALGORITHMS'), problems);

  const jwksUrlText = read.text('JWKS_URL');
  const jwksText = read.text('JWKS');
  let keySource: KeySource | undefined;
  const cacheSeconds = read.integer('JWKS_CACHE_SECONDS', { default: 600, min: 0, max: 86_400 });
  const cooldownSeconds = read.integer('JWKS_COOLDOWN_SECONDS', { default: 30, min: 0, max: 3600 });
  const timeoutSeconds = read.integer('JWKS_TIMEOUT_SECONDS', { default: 5, min: 1, max: 30 });
  if (jwksUrlText !== undefined && jwksText !== undefined) {
    problems.push('set either JWKS_URL or JWKS, not both');
  } else if (jwksUrlText !== undefined) {
    const url = parseJwksUrl(jwksUrlText, problems);
    if (url) {
      keySource = {
        kind: 'remote',
        url,
        cacheMaxAgeMs: (cacheSeconds ?? 600) * 1000,
        cooldownMs: (cooldownSeconds ?? 30) * 1000,
        timeoutMs: (timeoutSeconds ?? 5) * 1000,
      };
    }
  } else if (jwksText !== undefined) {
    const jwks = parseJwks(jwksText, problems);
    if (jwks) keySource = { kind: 'inline', jwks };
  } else {
    problems.push('one of JWKS_URL (remote key set) or JWKS (inline JSON key set) is required');
  }

  const clockToleranceSeconds = read.integer('JWT_CLOCK_TOLERANCE_SECONDS', {
    default: 30,
    min: 0,
    max: 300,
  });
  const maxTokenAgeSeconds = read.integer('JWT_MAX_TOKEN_AGE_SECONDS', {
    min: 1,
    max: 366 * 86_400,
  });
  const requiredScopes = (read.text('JWT_REQUIRED_SCOPE') ?? '').split(' ').filter(Boolean);
  const maxTokenBytes = read.integer('JWT_MAX_TOKEN_BYTES', {
    default: 8192,
    min: 256,
    max: 65_536,
  });
  const forwardClaims = read.list('FORWARD_CLAIMS');
  const forwardAuthorization = read.boolean('FORWARD_AUTHORIZATION', false);
  const allowQueryToken = read.boolean('ALLOW_QUERY_TOKEN', false);
  const queryParam = read.text('QUERY_TOKEN_PARAM') ?? 'access_token';
  if (!QUERY_PARAM_PATTERN.test(queryParam)) {
    problems.push('QUERY_TOKEN_PARAM must be 1-64 characters [A-Za-z0-9._~-]');
  }
  const assertionTtlSeconds = read.integer('ASSERTION_TTL_SECONDS', {
    default: 30,
    min: 1,
    max: ASSERTION_MAX_TTL_SECONDS,
  });
  const retryAfterSeconds = read.integer('RATE_LIMIT_RETRY_AFTER_SECONDS', {
    default: 60,
    min: 1,
    max: 3600,
  });

  let assertionKeys: AssertionKey[] = [];
  const assertionKeysText = read.required('ASSERTION_KEYS');
  if (assertionKeysText !== undefined) {
    try {
      assertionKeys = parseAssertionKeys(assertionKeysText);
    } catch (error) {
      // parseAssertionKeys names the key id or position, never the secret.
      problems.push(`ASSERTION_KEYS: ${(error as Error).message}`);
    }
  }

  const denyList = optionalBinding(env, 'DENYLIST', isDenyList, 'a KV namespace', problems);
  const upgradeLimiter = optionalBinding(
    env,
    'UPGRADE_LIMITER',
    isRateLimiter,
    'a rate limiter',
    problems,
  );
  const failureLimiter = optionalBinding(
    env,
    'FAILURE_LIMITER',
    isRateLimiter,
    'a rate limiter',
    problems,
  );
  const outcomes = optionalBinding(
    env,
    'OUTCOMES',
    isAnalyticsDataset,
    'an Analytics Engine dataset',
    problems,
  );
  if (!denyList) notices.push('DENYLIST is not bound: revocation checks are off');
  if (!upgradeLimiter)
    notices.push('UPGRADE_LIMITER is not bound: per-subject upgrade limits are off');
  if (!failureLimiter)
    notices.push('FAILURE_LIMITER is not bound: per-address failure limits are off');
  if (!outcomes) notices.push('OUTCOMES is not bound: outcomes are only logged, not counted');

  if (problems.length > 0 || !originUrl || !issuer || !algorithms || !keySource) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    notices,
    config: {
      originUrl,
      issuer,
      audience,
      algorithms,
      keySource,
      clockToleranceSeconds: clockToleranceSeconds ?? 30,
      ...(maxTokenAgeSeconds !== undefined ? { maxTokenAgeSeconds } : {}),
      requiredScopes,
      maxTokenBytes: maxTokenBytes ?? 8192,
      forwardClaims,
      forwardAuthorization,
      ...(allowQueryToken ? { queryTokenParam: queryParam } : {}),
      rejectedQueryParams: [...new Set([queryParam, 'access_token', 'token', 'jwt'])],
      assertionTtlSeconds: assertionTtlSeconds ?? 30,
      assertionKeys,
      retryAfterSeconds: retryAfterSeconds ?? 60,
      ...(denyList ? { denyList } : {}),
      ...(upgradeLimiter ? { upgradeLimiter } : {}),
      ...(failureLimiter ? { failureLimiter } : {}),
      ...(outcomes ? { outcomes } : {}),
    },
  };
}

function optionalBinding<T>(
  env: Readonly<Record<string, unknown>>,
  name: string,
  check: (value: unknown) => value is T,
  expected: string,
  problems: string[],
): T | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  if (!check(value)) {
    problems.push(`${name} is bound but is not ${expected}; check wrangler.jsonc`);
    return undefined;
  }
  return value;
}
