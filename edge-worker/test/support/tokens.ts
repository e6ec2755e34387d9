/** Test identity provider: key pairs, their public JWKS, and tokens minted with jose. */
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

export const ISSUER = 'https://idp.test.example';
export const AUDIENCE = 'beats-gate-edge';

export interface TestKey {
  readonly kid: string;
  readonly alg: 'ES256' | 'EdDSA' | 'RS256' | 'PS256';
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function createTestKey(kid: string, alg: TestKey['alg']): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

export interface MintOptions {
  readonly claims?: JWTPayload;
  readonly header?: Record<string, unknown>;
  /** Claims to leave out of the defaults (iss, aud, sub, exp, iat). */
  readonly omit?: readonly string[];
  /** Seconds from now; negative for the past. */
  readonly expiresIn?: number;
}

export async function mintToken(key: TestKey, options: MintOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'device-1',
    iat: now,
    exp: now + (options.expiresIn ?? 300),
    jti: crypto.randomUUID(),
    ...options.claims,
  };
  for (const name of options.omit ?? []) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...options.header })
    .sign(key.privateKey);
}

export function base64url(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}

/** Re-encodes a token's payload without re-signing it (a tampered token). */
export function withPayload(token: string, change: (payload: JWTPayload) => JWTPayload): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JWTPayload;
  return `${header}.${base64url(JSON.stringify(change(decoded)))}.${signature}`;
}

/**
 * Signs arbitrary header and payload bytes with an ES256 key, bypassing jose's own checks, to
 * build tokens jose would refuse to produce (unknown `crit`, a payload that is not JSON).
 */
export async function signRaw(key: TestKey, header: object, payload: string): Promise<string> {
  const input = `${base64url(JSON.stringify(header))}.${base64url(payload)}`;
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    key.privateKey,
    new TextEncoder().encode(input),
  );
  return `${input}.${base64url(new Uint8Array(signature))}`;
}
