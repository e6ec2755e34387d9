import { createPrivateKey, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { readSmallFile } from './file-provider.ts';

/** RFC 7523 §2.2: the client authenticates with a JWT signed by its own private key. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface AssertionKey {
  readonly key: KeyObject;
  readonly alg: string;
}

const CURVE_ALGS: Record<string, string> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};

function defaultAlg(key: KeyObject): string | undefined {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return CURVE_ALGS[key.asymmetricKeyDetails?.namedCurve ?? ''];
    case 'ed25519':
      return 'EdDSA';
    case 'rsa':
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    case 'dsa':
    case 'ed448':
    case 'x25519':
    case 'x448':
    case undefined:
      return undefined;
  }
}

/** Loads a PEM (PKCS#8 or SEC1/PKCS#1) or JWK private key; the algorithm follows the key type. */
export async function loadAssertionKey(
  path: string,
  alg: string | undefined,
): Promise<AssertionKey> {
  const text = await readSmallFile(path);
  const key = text.trimStart().startsWith('{')
    ? createPrivateKey({ key: JSON.parse(text) as JsonWebKey, format: 'jwk' })
    : createPrivateKey(text);
  const chosen = alg ?? defaultAlg(key);
  if (chosen === undefined) {
    throw new Error(`no default signing algorithm for a ${key.asymmetricKeyType ?? 'unknown'} key`);
  }
  return { key, alg: chosen };
}

export interface AssertionClaims {
  readonly clientId: string;
  /** The token endpoint URL, which RFC 7523 names as the audience. */
  readonly audience: string;
  readonly keyId?: string;
  readonly nowSeconds: number;
}

/** A one-minute, single-use (`jti`) assertion: long enough to cross a slow network, no longer. */
export function signClientAssertion(key: AssertionKey, claims: AssertionClaims): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({
      alg: key.alg,
      typ: 'JWT',
      ...(claims.keyId ? { kid: claims.keyId } : {}),
    })
    .setIssuer(claims.clientId)
    .setSubject(claims.clientId)
    .setAudience(claims.audience)
    .setJti(randomUUID())
    .setIssuedAt(claims.nowSeconds)
    .setExpirationTime(claims.nowSeconds + 60)
    .sign(key.key);
}
