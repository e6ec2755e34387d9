/**
 * `jwt keys`, when the unwrapper re-verifies device tokens: the configured JWKS (fetched, when it
 * is remote, with jose as the verifier fetches it) holds at least one key the verifier can use
 * with jwtAlgorithms. Keys it cannot use are named with the reason: an encryption key, an
 * algorithm not accepted, a key jose cannot import, an X.509 certificate (x5c) that has expired.
 */
import { X509Certificate } from 'node:crypto';
import { failed, passed, type CheckStep } from '@beats-gate/kit';
import { DEFAULT_JWKS_TIMEOUT_MS } from '@beats-gate/protocol';
import { createRemoteJWKSet, importJWK, type JSONWebKeySet, type JWK } from 'jose';
import type { JwtConfig } from '../config/types.ts';

type Verdict = { usable: true; alg: string } | { usable: false; why: string };

function nameOf(key: JWK, index: number): string {
  return typeof key.kid === 'string' ? `kid "${key.kid.slice(0, 64)}"` : `key #${index + 1}`;
}

function certificateExpiry(key: JWK): Date | undefined {
  const first = key.x5c?.[0];
  if (typeof first !== 'string') return undefined;
  return new X509Certificate(Buffer.from(first, 'base64')).validToDate;
}

async function judge(key: JWK, accepted: readonly string[], now: number): Promise<Verdict> {
  if (key.use !== undefined && key.use !== 'sig') {
    return { usable: false, why: `use "${key.use}", not "sig"` };
  }
  if (key.alg !== undefined && !accepted.includes(key.alg)) {
    return { usable: false, why: `alg ${key.alg} is not in jwtAlgorithms` };
  }
  let expires: Date | undefined;
  try {
    expires = certificateExpiry(key);
  } catch {
    return { usable: false, why: 'its x5c certificate does not parse' };
  }
  if (expires && expires.getTime() <= now) {
    return { usable: false, why: `certificate expired ${expires.toISOString()}` };
  }
  // Without an alg the verifier tries the token's, so the key counts if any accepted one fits.
  for (const alg of key.alg === undefined ? accepted : [key.alg]) {
    try {
      await importJWK(key, alg);
      return { usable: true, alg };
    } catch {
      // the next algorithm may fit this key type
    }
  }
  return { usable: false, why: `not a public key for ${accepted.join(' or ')}` };
}

async function loadKeySet(jwt: JwtConfig): Promise<JSONWebKeySet> {
  if (jwt.jwks) return jwt.jwks;
  const remote = createRemoteJWKSet(new URL(jwt.jwksUrl ?? ''), {
    timeoutDuration: DEFAULT_JWKS_TIMEOUT_MS,
  });
  await remote.reload();
  return remote.jwks() ?? { keys: [] };
}

export function jwtKeysStep(jwt: JwtConfig, now: () => number = Date.now): CheckStep {
  const source = jwt.jwksUrl ?? 'jwtJwksFile';
  return {
    name: 'jwt keys',
    async run() {
      let keySet: JSONWebKeySet;
      try {
        keySet = await loadKeySet(jwt);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return failed(
          `cannot fetch the JWKS at ${source}: ${message}`,
          "check that this URL serves the identity provider's JWKS and is reachable from here",
        );
      }
      const usable: string[] = [];
      const ignored: string[] = [];
      for (const [index, key] of keySet.keys.entries()) {
        const verdict = await judge(key, jwt.algorithms, now());
        if (verdict.usable) usable.push(`${nameOf(key, index)} (${verdict.alg})`);
        else ignored.push(`${nameOf(key, index)}: ${verdict.why}`);
      }
      const skipped = ignored.length > 0 ? `; unusable: ${ignored.join(', ')}` : '';
      if (usable.length === 0) {
        return failed(
          `no usable key in ${source} (${keySet.keys.length} key${keySet.keys.length === 1 ? '' : 's'}${skipped})`,
          `publish the current signing key (${jwt.algorithms.join(' or ')}) in the JWKS, or correct jwtAlgorithms`,
        );
      }
      return passed(`${usable.length} usable: ${usable.join(', ')}${skipped}`);
    },
  };
}
