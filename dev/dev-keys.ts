/**
 * Development identity for the local stack: an ES256 signing key (the stand-in for the fleet's
 * identity provider), its public JWKS for the edge, and an assertion key shared by edge and
 * unwrapper. Generated once under `.dev/` and reused, so tokens minted by `npm run token` stay
 * valid across restarts. Never use these outside a developer machine.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

export const DEV_ISSUER = 'https://dev.beats-gate.invalid/';
export const DEV_AUDIENCE = 'beats-gate';
const ALG = 'ES256';

export interface DevKeys {
  dir: string;
  signingKeyPath: string;
  jwksPath: string;
  /** The private signing key as a JWK with `kid` and `alg`. */
  signingJwk: JWK;
  jwks: { keys: JWK[] };
  /** `kid:base64url-secret`, the form BEATS_GATE_UNWRAPPER_ASSERTION_KEYS and ASSERTION_KEYS read. */
  assertionKeys: string;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Loads the dev keys from `dir`, generating whatever is missing. Files are written 0600. */
export async function ensureDevKeys(dir = '.dev'): Promise<DevKeys> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const signingKeyPath = join(dir, 'signing-key.jwk.json');
  const jwksPath = join(dir, 'jwks.json');
  const assertionPath = join(dir, 'assertion-keys.txt');

  let signingJwk = await readJson<JWK>(signingKeyPath);
  let jwks = await readJson<{ keys: JWK[] }>(jwksPath);
  if (!signingJwk || !jwks) {
    const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
    const kid = `dev-${randomBytes(4).toString('hex')}`;
    signingJwk = { ...(await exportJWK(privateKey)), kid, alg: ALG, use: 'sig' };
    jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' }] };
    await writeFile(signingKeyPath, JSON.stringify(signingJwk, null, 2) + '\n', { mode: 0o600 });
    await writeFile(jwksPath, JSON.stringify(jwks, null, 2) + '\n', { mode: 0o644 });
  }

  let assertionKeys = (await readFile(assertionPath, 'utf8').catch(() => '')).trim();
  if (!assertionKeys) {
    assertionKeys = `dev-a1:${randomBytes(32).toString('base64url')}`;
    await writeFile(assertionPath, assertionKeys + '\n', { mode: 0o600 });
  }
  return { dir, signingKeyPath, jwksPath, signingJwk, jwks, assertionKeys };
}

export interface MintOptions {
  sub: string;
  ttlSeconds?: number;
  claims?: Record<string, unknown>;
  now?: () => number;
}

/** Signs a dev JWT the local edge accepts. */
export async function mintDevToken(keys: DevKeys, options: MintOptions): Promise<string> {
  const ttl = options.ttlSeconds ?? 3600;
  if (!Number.isInteger(ttl) || ttl < 1) {
    throw new RangeError(`ttl must be a positive integer number of seconds, got ${ttl}`);
  }
  const iat = Math.floor((options.now ?? Date.now)() / 1000);
  const key = await importJWK(keys.signingJwk, ALG);
  return new SignJWT({ scope: 'beats:ship', ...options.claims })
    .setProtectedHeader({ alg: ALG, kid: keys.signingJwk.kid!, typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject(options.sub)
    .setJti(randomBytes(12).toString('base64url'))
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .sign(key);
}
