/**
 * The edge assertion: a short-lived HS256 JWT that the edge worker adds to every upgrade it
 * forwards, so the unwrapper knows who the caller is and that the edge checked them.
 *
 * Binding to the handshake: the assertion carries the device's Sec-WebSocket-Key (`wsk`). Behind
 * Cloudflare, workerd opens its own WebSocket to origin with a fresh key (measured under workerd),
 * so origin cannot compare keys there; it makes each assertion single-use instead (a replay cache
 * of `jti` for the assertion's lifetime). Where the key does reach origin unchanged (a proxy that
 * passes the handshake through), `bindToWebSocketKey` turns the comparison on.
 */
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { AssertionKey } from './assertion-keys.ts';
import { CodedError } from './coded-error.ts';
import { ASSERTION_AUDIENCE, ASSERTION_ISSUER, ASSERTION_MAX_TTL_SECONDS } from './constants.ts';

/** Who the edge let through, as the unwrapper sees it. */
export interface EdgeIdentity {
  /** The `sub` of the device's JWT. */
  readonly subject: string;
  /** The claims of the device's JWT that the operator chose to pass on. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The device's address as the edge saw it, when known. */
  readonly clientAddress?: string;
  /** `exp` of the device's JWT (seconds since the epoch), for expiry policies at origin. */
  readonly tokenExpiresAt?: number;
  /** `jti` of the device's JWT, when it had one. */
  readonly tokenId?: string;
  /** Unique id of this assertion, usable as a replay-cache key. */
  readonly assertionId: string;
  /** Key id that signed it, for logs during a rotation. */
  readonly kid: string;
}

export type EdgeAssertionErrorCode =
  | 'ERR_ASSERTION_MISSING'
  | 'ERR_ASSERTION_MALFORMED'
  | 'ERR_ASSERTION_UNKNOWN_KEY'
  | 'ERR_ASSERTION_BAD_SIGNATURE'
  | 'ERR_ASSERTION_EXPIRED'
  | 'ERR_ASSERTION_INVALID_CLAIMS'
  | 'ERR_ASSERTION_HANDSHAKE_MISMATCH'
  | 'ERR_ASSERTION_REPLAYED';

export class EdgeAssertionError extends CodedError<EdgeAssertionErrorCode> {
  override name = 'EdgeAssertionError';
}

interface AssertionClaims extends JWTPayload {
  /** Sec-WebSocket-Key of the handshake this assertion belongs to. */
  wsk: string;
  cip?: string;
  claims?: Record<string, unknown>;
  tok_exp?: number;
  tok_jti?: string;
}

export interface SignAssertionInput {
  subject: string;
  webSocketKey: string;
  claims?: Record<string, unknown>;
  clientAddress?: string;
  tokenExpiresAt?: number;
  tokenId?: string;
}

export interface AssertionSignerOptions {
  /** The key to sign with (the first of the edge's key ring). */
  key: AssertionKey;
  /** Lifetime in seconds, 1 to 60. */
  ttlSeconds?: number;
  /** Injected clock, milliseconds since the epoch. */
  now?: () => number;
}

// The return type is inferred: `CryptoKey` is a global type in the DOM library but not in Node's,
// and this module is compiled against both.
function importHmacKey(secret: Uint8Array<ArrayBuffer>, usage: 'sign' | 'verify') {
  return crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
}

export function createAssertionSigner(options: AssertionSignerOptions) {
  const ttl = options.ttlSeconds ?? 30;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > ASSERTION_MAX_TTL_SECONDS) {
    throw new RangeError(
      `assertion ttlSeconds must be an integer from 1 to ${ASSERTION_MAX_TTL_SECONDS}, got ${ttl}`,
    );
  }
  const now = options.now ?? Date.now;
  const { kid } = options.key;
  // Imported once: importing a key per request would cost more than the signature.
  const cryptoKey = importHmacKey(options.key.secret, 'sign');

  return async function signAssertion(input: SignAssertionInput): Promise<string> {
    const iat = Math.floor(now() / 1000);
    const payload: AssertionClaims = { wsk: input.webSocketKey };
    if (input.claims && Object.keys(input.claims).length > 0) payload.claims = input.claims;
    if (input.clientAddress) payload.cip = input.clientAddress;
    if (input.tokenExpiresAt !== undefined) payload.tok_exp = input.tokenExpiresAt;
    if (input.tokenId !== undefined) payload.tok_jti = input.tokenId;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', typ: 'beats-gate-assertion+jwt', kid })
      .setIssuer(ASSERTION_ISSUER)
      .setAudience(ASSERTION_AUDIENCE)
      .setSubject(input.subject)
      .setJti(randomId())
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttl)
      .sign(await cryptoKey);
  };
}

export interface AssertionVerifierOptions {
  /** Accepted keys: the current one and, during a rotation, the previous one. */
  keys: readonly AssertionKey[];
  /** Oldest accepted `iat`, in seconds; at most 60. */
  maxAgeSeconds?: number;
  /** Allowed clock skew between edge and origin, in seconds. */
  clockToleranceSeconds?: number;
  /**
   * Require the handshake's Sec-WebSocket-Key to equal the one the edge signed. Off by default:
   * Cloudflare's Workers runtime re-keys the upgrade it forwards (see the module comment).
   */
  bindToWebSocketKey?: boolean;
  now?: () => number;
}

export function createAssertionVerifier(options: AssertionVerifierOptions) {
  if (options.keys.length === 0) throw new RangeError('at least one assertion key is required');
  const maxAge = options.maxAgeSeconds ?? ASSERTION_MAX_TTL_SECONDS;
  if (maxAge < 1 || maxAge > ASSERTION_MAX_TTL_SECONDS) {
    throw new RangeError(`assertion maxAgeSeconds must be from 1 to ${ASSERTION_MAX_TTL_SECONDS}`);
  }
  const tolerance = options.clockToleranceSeconds ?? 5;
  const now = options.now ?? Date.now;
  const keys = new Map(options.keys.map((key) => [key.kid, importHmacKey(key.secret, 'verify')]));

  return async function verifyAssertion(
    token: string | undefined,
    webSocketKey: string | undefined,
  ): Promise<EdgeIdentity> {
    if (!token) throw new EdgeAssertionError('ERR_ASSERTION_MISSING', 'no edge assertion header');
    let kid = '';
    let payload: AssertionClaims;
    try {
      ({ payload } = await jwtVerify<AssertionClaims>(
        token,
        async (header) => {
          kid = header.kid ?? '';
          const key = keys.get(kid);
          if (!key) {
            throw new EdgeAssertionError(
              'ERR_ASSERTION_UNKNOWN_KEY',
              `edge assertion signed with unknown kid "${kid.slice(0, 64)}"`,
            );
          }
          return key;
        },
        {
          algorithms: ['HS256'],
          issuer: ASSERTION_ISSUER,
          audience: ASSERTION_AUDIENCE,
          typ: 'beats-gate-assertion+jwt',
          requiredClaims: ['sub', 'exp', 'iat', 'jti', 'wsk'],
          maxTokenAge: maxAge,
          clockTolerance: tolerance,
          currentDate: new Date(now()),
        },
      ));
    } catch (error) {
      throw toAssertionError(error);
    }
    if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') {
      throw new EdgeAssertionError('ERR_ASSERTION_INVALID_CLAIMS', 'exp and iat must be numbers');
    }
    if (payload.exp - payload.iat > ASSERTION_MAX_TTL_SECONDS) {
      throw new EdgeAssertionError(
        'ERR_ASSERTION_INVALID_CLAIMS',
        `edge assertion lifetime exceeds ${ASSERTION_MAX_TTL_SECONDS} s`,
      );
    }
    if (options.bindToWebSocketKey && (!webSocketKey || payload.wsk !== webSocketKey)) {
      throw new EdgeAssertionError(
        'ERR_ASSERTION_HANDSHAKE_MISMATCH',
        'edge assertion belongs to another handshake (Sec-WebSocket-Key differs)',
      );
    }
    const claims =
      payload.claims && typeof payload.claims === 'object' && !Array.isArray(payload.claims)
        ? payload.claims
        : {};
    return {
      subject: payload.sub!,
      claims,
      assertionId: payload.jti!,
      kid,
      ...(typeof payload.cip === 'string' ? { clientAddress: payload.cip } : {}),
      ...(typeof payload.tok_exp === 'number' ? { tokenExpiresAt: payload.tok_exp } : {}),
      ...(typeof payload.tok_jti === 'string' ? { tokenId: payload.tok_jti } : {}),
    };
  };
}

function toAssertionError(error: unknown): EdgeAssertionError {
  if (error instanceof EdgeAssertionError) return error;
  const cause = { cause: error };
  if (error instanceof errors.JWTExpired) {
    return new EdgeAssertionError('ERR_ASSERTION_EXPIRED', 'edge assertion expired', cause);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new EdgeAssertionError(
      'ERR_ASSERTION_BAD_SIGNATURE',
      'edge assertion signature invalid',
      cause,
    );
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new EdgeAssertionError(
      'ERR_ASSERTION_INVALID_CLAIMS',
      `edge assertion claim "${error.claim}" invalid: ${error.reason}`,
      cause,
    );
  }
  return new EdgeAssertionError(
    'ERR_ASSERTION_MALFORMED',
    'edge assertion is not a valid JWS',
    cause,
  );
}

export type AssertionSigner = ReturnType<typeof createAssertionSigner>;
export type AssertionVerifier = ReturnType<typeof createAssertionVerifier>;
