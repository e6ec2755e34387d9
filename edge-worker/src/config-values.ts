/**
 * Parsers for the configuration values that need more than a type check. Each pushes a message
 * naming the variable onto `problems` and returns `undefined` when the value is unusable.
 */
import { ASYMMETRIC_JWS_ALGORITHMS } from '@beats-gate/protocol';
import type { JSONWebKeySet } from 'jose';

/** Asymmetric JWS algorithms only: an HMAC algorithm would let anyone holding the public key sign. */
export const SUPPORTED_ALGORITHMS = ASYMMETRIC_JWS_ALGORITHMS;

export const DEFAULT_ALGORITHMS = ['ES256', 'EdDSA'] as const;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Members that only private or symmetric keys have; a key set holding them leaks a secret. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

export function parseOriginUrl(text: string | undefined, problems: string[]): URL | undefined {
  if (text === undefined) return undefined;
  const url = URL.parse(text);
  // workerd passes an upgrade through only over http(s); ws(s) URLs fail at the first request.
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    problems.push('ORIGIN_URL must be an http:// or https:// URL (not ws:// or wss://)');
    return undefined;
  }
  if (url.username || url.password || url.search || url.hash) {
    problems.push('ORIGIN_URL must not contain credentials, a query or a fragment');
    return undefined;
  }
  return url;
}

export function parseJwksUrl(text: string, problems: string[]): URL | undefined {
  const url = URL.parse(text);
  const loopback = url !== null && LOOPBACK_HOSTS.has(url.hostname);
  // Plain http is allowed only on loopback (local stack and tests): keys fetched in clear text
  // over the internet could be swapped by anyone on the path.
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
    problems.push('JWKS_URL must be an https:// URL (http:// only for 127.0.0.1 or localhost)');
    return undefined;
  }
  return url;
}

export function parseJwks(text: string, problems: string[]): JSONWebKeySet | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problems.push('JWKS must be a JSON Web Key Set ({"keys":[…]}) but is not valid JSON');
    return undefined;
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    problems.push('JWKS must be a JSON object with a non-empty "keys" array');
    return undefined;
  }
  let valid = true;
  keys.forEach((key: unknown, index) => {
    if (
      typeof key !== 'object' ||
      key === null ||
      typeof (key as { kty?: unknown }).kty !== 'string'
    ) {
      problems.push(`JWKS key #${index + 1} is not a JWK with a "kty"`);
      valid = false;
    } else if (PRIVATE_MEMBERS.some((member) => member in key)) {
      problems.push(
        `JWKS key #${index + 1} holds private or symmetric key material; publish public keys only`,
      );
      valid = false;
    }
  });
  return valid ? (parsed as JSONWebKeySet) : undefined;
}

export function parseAlgorithms(list: string[], problems: string[]): string[] | undefined {
  if (list.length === 0) return [...DEFAULT_ALGORITHMS];
  const unknown = list.filter((alg) => !(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg));
  if (unknown.length > 0) {
    problems.push(
      `JWT_ALGORITHMS has unsupported ${unknown.join(', ')}; allowed: ${SUPPORTED_ALGORITHMS.join(', ')}`,
    );
    return undefined;
  }
  return [...new Set(list)];
}
