/**
 * Where the signing keys of device tokens come from: the identity provider's JWKS endpoint (jose's
 * remote key set: cached, refetched for an unknown `kid` at most once per cooldown) or a key set
 * given inline. Build a key set once per process or isolate, never per request: a fresh remote set
 * has an empty cache and would fetch the JWKS for every token.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { DeviceTokenError } from './device-token-errors.ts';

/** What the verifier calls to find the key for a token's protected header. */
export type DeviceKeyResolver = JWTVerifyGetKey;

export type DeviceKeySource =
  | {
      readonly kind: 'remote';
      /** The JWKS endpoint; callers check its scheme (https, http only on loopback). */
      readonly url: URL;
      /** How long fetched keys are used before a refetch; default 10 minutes. */
      readonly cacheMaxAgeMs?: number;
      /** Least time between two fetches, so unknown `kid`s cannot hammer the endpoint; 30 s. */
      readonly cooldownMs?: number;
      /** Fetch timeout; default 5 s. */
      readonly timeoutMs?: number;
    }
  | { readonly kind: 'inline'; readonly jwks: JSONWebKeySet };

export const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
export const DEFAULT_JWKS_TIMEOUT_MS = 5000;

export function createDeviceKeySet(source: DeviceKeySource): DeviceKeyResolver {
  if (source.kind === 'inline') return createLocalJWKSet(source.jwks);
  return createRemoteJWKSet(source.url, {
    cacheMaxAge: source.cacheMaxAgeMs ?? DEFAULT_JWKS_CACHE_MAX_AGE_MS,
    cooldownDuration: source.cooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS,
    timeoutDuration: source.timeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS,
  });
}

/**
 * Wraps any resolver so that its failures are already classified: no matching key is the token's
 * fault; anything else (network, HTTP status, a JWKS that is not JSON, a key jose cannot import)
 * means the keys are unavailable, and the token must not pass.
 */
export function classifyKeyFailures(resolve: DeviceKeyResolver): DeviceKeyResolver {
  return async function resolveKey(header, token) {
    try {
      return await resolve(header, token);
    } catch (error) {
      if (error instanceof DeviceTokenError) throw error;
      if (error instanceof errors.JWKSNoMatchingKey) {
        throw new DeviceTokenError(
          'ERR_DEVICE_TOKEN_UNKNOWN_KEY',
          `no key in the key set matches kid "${String(header.kid ?? '').slice(0, 64)}" and alg "${header.alg}"`,
          { cause: error },
        );
      }
      if (error instanceof errors.JWKSMultipleMatchingKeys) {
        throw new DeviceTokenError(
          'ERR_DEVICE_TOKEN_UNKNOWN_KEY',
          'several keys match the token; it must name one with "kid"',
          { cause: error },
        );
      }
      throw new DeviceTokenError(
        'ERR_DEVICE_TOKEN_KEYS_UNAVAILABLE',
        'the token signing keys could not be loaded; try again later',
        { cause: error },
      );
    }
  };
}
