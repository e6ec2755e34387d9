/**
 * Where the signing keys of device tokens come from: a remote JWKS (the identity provider's
 * endpoint) or an inline one. Remote key sets live at module scope, keyed by URL and options, so
 * every request an isolate serves shares one cache and one cooldown.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import type { KeySource } from './config.ts';
import { EdgeError } from './errors.ts';

const remoteSets = new Map<string, JWTVerifyGetKey>();

function remoteSet(source: Extract<KeySource, { kind: 'remote' }>): JWTVerifyGetKey {
  const id = `${source.url.href} ${source.cacheMaxAgeMs} ${source.cooldownMs} ${source.timeoutMs}`;
  let set = remoteSets.get(id);
  if (!set) {
    set = createRemoteJWKSet(source.url, {
      cacheMaxAge: source.cacheMaxAgeMs,
      cooldownDuration: source.cooldownMs,
      timeoutDuration: source.timeoutMs,
    });
    remoteSets.set(id, set);
  }
  return set;
}

/**
 * A key resolver for `jwtVerify` whose failures are already classified: an unknown `kid` is the
 * caller's fault (401), anything else (network, HTTP status, bad JSON) means the keys are
 * unavailable (503), and the edge must not let the request through.
 */
export function createKeyResolver(source: KeySource): JWTVerifyGetKey {
  const set = source.kind === 'remote' ? remoteSet(source) : createLocalJWKSet(source.jwks);
  return async function resolveKey(header, token) {
    try {
      return await set(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) {
        throw new EdgeError(
          'ERR_EDGE_TOKEN_UNKNOWN_KEY',
          `no key in the key set matches kid "${String(header.kid ?? '').slice(0, 64)}" and alg "${header.alg}"`,
          { cause: error },
        );
      }
      if (error instanceof errors.JWKSMultipleMatchingKeys) {
        throw new EdgeError(
          'ERR_EDGE_TOKEN_UNKNOWN_KEY',
          'several keys match the token; it must name one with "kid"',
          { cause: error },
        );
      }
      throw new EdgeError(
        'ERR_EDGE_KEYS_UNAVAILABLE',
        'the token signing keys could not be loaded; try again later',
        { cause: error },
      );
    }
  };
}
