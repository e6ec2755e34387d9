/**
 * Optional second check of the device's JWT at origin, for operators who do not want to trust the
 * edge alone. Same rules as the edge (docs/design.md): an explicit asymmetric allowlist, required
 * iss/aud/exp/sub, bounded clock tolerance, no keys named by the token itself. Keys are built once.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import type { JwtConfig } from '../config/types.ts';
import { UpgradeRefusal } from './refusal.ts';

const TOKEN_KEY_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

/** Failures that say the token is bad, as opposed to keys being unavailable. */
const TOKEN_ERRORS = [
  errors.JWTExpired,
  errors.JWTClaimValidationFailed,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
];

export function createJwtCheck(config: JwtConfig) {
  let keys: JWTVerifyGetKey;
  if (config.jwksUrl) {
    keys = createRemoteJWKSet(new URL(config.jwksUrl), {
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 5000,
    });
  } else if (config.jwks) {
    keys = createLocalJWKSet(config.jwks);
  } else {
    throw new RangeError('jwt check needs jwksUrl or jwks');
  }
  const options = {
    algorithms: [...config.algorithms],
    issuer: config.issuer,
    audience: config.audience,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: config.clockToleranceSeconds,
  };

  return async function checkJwt(authorization: string | undefined, subject: string) {
    const match = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization ?? '');
    if (!match) throw new UpgradeRefusal('jwt_missing', 'no Bearer token forwarded by the edge');
    const token = match[1]!;
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch (error) {
      throw new UpgradeRefusal('jwt_invalid', 'token is not a JWS', { cause: error });
    }
    const named = TOKEN_KEY_HEADERS.find((name) => name in header);
    if (named) throw new UpgradeRefusal('jwt_invalid', `token header "${named}" is not accepted`);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, options));
    } catch (error) {
      if (TOKEN_ERRORS.some((type) => error instanceof type)) {
        const detail = error instanceof errors.JOSEError ? error.code : 'invalid';
        throw new UpgradeRefusal('jwt_invalid', `token refused (${detail})`, { cause: error });
      }
      // Keys could not be fetched: never fail open.
      throw new UpgradeRefusal('jwt_keys_unavailable', 'token keys unavailable', { cause: error });
    }
    if (payload.sub !== subject) {
      throw new UpgradeRefusal('jwt_subject_mismatch', 'token subject differs from the assertion');
    }
  };
}

export type JwtCheck = ReturnType<typeof createJwtCheck>;
