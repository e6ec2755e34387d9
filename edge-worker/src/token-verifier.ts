/**
 * Verifies a device token. jose does the cryptography and the claim checks; this module adds the
 * checks RFC 8725 asks for that jose leaves to the caller (header parameters that point at keys,
 * `crit`, a strict algorithm allowlist checked before any key is looked up) and turns every failure
 * into one stable edge error code.
 */
import {
  decodeProtectedHeader,
  jwtVerify,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';
import type { EdgeConfig } from './config.ts';
import { EdgeError } from './errors.ts';
import { createKeyResolver } from './key-source.ts';
import { toEdgeError } from './token-errors.ts';

/** What the rest of the edge needs from a verified token. */
export interface VerifiedToken {
  readonly subject: string;
  readonly tokenId?: string;
  readonly expiresAt: number;
  readonly payload: JWTPayload;
}

/** Header parameters that tell the verifier where to find a key: never trusted (RFC 8725 §3.10). */
const KEY_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

const SEGMENT = /^[A-Za-z0-9_-]*$/;

/** Longest `sub` or `jti` accepted; both end up in KV keys (at most 512 bytes) and logs. */
const MAX_ID_LENGTH = 256;

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

export function createTokenVerifier(
  config: Pick<
    EdgeConfig,
    | 'keySource'
    | 'algorithms'
    | 'issuer'
    | 'audience'
    | 'clockToleranceSeconds'
    | 'maxTokenAgeSeconds'
    | 'requiredScopes'
  >,
  now: () => number = Date.now,
): TokenVerifier {
  const resolveKey = createKeyResolver(config.keySource);
  const requiredClaims = ['exp', 'sub', ...(config.maxTokenAgeSeconds ? ['iat'] : [])];
  const baseOptions = {
    algorithms: [...config.algorithms],
    issuer: config.issuer,
    audience: [...config.audience],
    requiredClaims,
    clockTolerance: config.clockToleranceSeconds,
    ...(config.maxTokenAgeSeconds ? { maxTokenAge: config.maxTokenAgeSeconds } : {}),
  };

  return async function verifyToken(token) {
    checkHeader(token, config.algorithms);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, resolveKey, {
        ...baseOptions,
        currentDate: new Date(now()),
      }));
    } catch (error) {
      throw toEdgeError(error);
    }
    const verified = checkIdentity(payload);
    checkScope(payload, config.requiredScopes);
    return verified;
  };
}

function checkHeader(token: string, algorithms: readonly string[]): void {
  const segments = token.split('.');
  if (segments.length !== 3 || !segments.every((segment) => SEGMENT.test(segment))) {
    throw new EdgeError(
      'ERR_EDGE_TOKEN_MALFORMED',
      'the token must be a compact JWS: three base64url segments separated by dots',
    );
  }
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch (error) {
    throw new EdgeError('ERR_EDGE_TOKEN_MALFORMED', 'the token header is not base64url JSON', {
      cause: error,
    });
  }
  const keyHeader = KEY_HEADERS.find((name) => name in header);
  if (keyHeader) {
    throw new EdgeError(
      'ERR_EDGE_TOKEN_FORBIDDEN_HEADER',
      `the token header carries "${keyHeader}"; keys are only taken from the configured key set`,
    );
  }
  // No JWT extension is understood here, so any critical one must be refused (RFC 7515 §4.1.11).
  if ('crit' in header) {
    throw new EdgeError(
      'ERR_EDGE_TOKEN_UNKNOWN_CRIT',
      'the token header lists critical extensions this edge does not understand',
    );
  }
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
    throw new EdgeError(
      'ERR_EDGE_TOKEN_ALG_NOT_ALLOWED',
      `the token algorithm "${String(header.alg).slice(0, 16)}" is not allowed; allowed: ${algorithms.join(', ')}`,
    );
  }
}

function checkIdentity(payload: JWTPayload): VerifiedToken {
  const { sub, jti, exp } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_ID_LENGTH) {
    throw new EdgeError(
      'ERR_EDGE_TOKEN_CLAIM_INVALID',
      `claim "sub" must be a string of 1-${MAX_ID_LENGTH} characters`,
    );
  }
  if (
    jti !== undefined &&
    (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_ID_LENGTH)
  ) {
    throw new EdgeError(
      'ERR_EDGE_TOKEN_CLAIM_INVALID',
      `claim "jti" must be a string of 1-${MAX_ID_LENGTH} characters`,
    );
  }
  return {
    subject: sub,
    expiresAt: exp as number,
    payload,
    ...(jti !== undefined ? { tokenId: jti } : {}),
  };
}

/** Scopes come as an OAuth `scope` string (RFC 8693 §4.2) or an `scp` array (Azure AD, Okta). */
function checkScope(payload: JWTPayload, required: readonly string[]): void {
  if (required.length === 0) return;
  const granted = new Set<string>();
  if (typeof payload.scope === 'string') payload.scope.split(' ').forEach((s) => granted.add(s));
  if (Array.isArray(payload.scp)) {
    payload.scp.forEach((s) => typeof s === 'string' && granted.add(s));
  } else if (typeof payload.scp === 'string') {
    payload.scp.split(' ').forEach((s) => granted.add(s));
  }
  const missing = required.filter((scope) => !granted.has(scope));
  if (missing.length > 0) {
    throw new EdgeError(
      'ERR_EDGE_SCOPE_INSUFFICIENT',
      `the token lacks the required scope: ${missing.join(' ')}`,
    );
  }
}
