/**
 * Why a device token was refused, as one closed list of codes. The verifier only classifies; each
 * service maps a code to its own answer (the edge to an HTTP status and RFC 6750 challenge, the
 * unwrapper to an upgrade refusal), through a `Record<DeviceTokenErrorCode, …>` that the compiler
 * keeps exhaustive.
 */
import { errors } from 'jose';
import { CodedError } from './coded-error.ts';

export const DEVICE_TOKEN_ERROR_CODES = [
  /** Not a compact JWS, or a header or payload that is not base64url JSON. */
  'ERR_DEVICE_TOKEN_MALFORMED',
  /** `jku`, `x5u`, `jwk` or `x5c` in the header: the token names its own key. */
  'ERR_DEVICE_TOKEN_FORBIDDEN_HEADER',
  /** A `crit` header: no extension is understood, so none may be critical. */
  'ERR_DEVICE_TOKEN_UNKNOWN_CRIT',
  'ERR_DEVICE_TOKEN_ALG_NOT_ALLOWED',
  /** No key (or more than one) of the key set matches the token's `kid` and `alg`. */
  'ERR_DEVICE_TOKEN_UNKNOWN_KEY',
  'ERR_DEVICE_TOKEN_BAD_SIGNATURE',
  'ERR_DEVICE_TOKEN_EXPIRED',
  /** `nbf`, or `iat` when a maximum age is set, lies in the future. */
  'ERR_DEVICE_TOKEN_NOT_YET_VALID',
  /** `iat` older than the maximum token age. */
  'ERR_DEVICE_TOKEN_TOO_OLD',
  'ERR_DEVICE_TOKEN_ISSUER_INVALID',
  'ERR_DEVICE_TOKEN_AUDIENCE_INVALID',
  'ERR_DEVICE_TOKEN_CLAIM_MISSING',
  /** A claim of the wrong type, or `sub`/`jti` empty, not well-formed or over the byte bound. */
  'ERR_DEVICE_TOKEN_CLAIM_INVALID',
  'ERR_DEVICE_TOKEN_SCOPE_INSUFFICIENT',
  /** The key set could not be loaded: the verifier's fault, not the token's. Never fails open. */
  'ERR_DEVICE_TOKEN_KEYS_UNAVAILABLE',
] as const;

export type DeviceTokenErrorCode = (typeof DEVICE_TOKEN_ERROR_CODES)[number];

export class DeviceTokenError extends CodedError<DeviceTokenErrorCode> {
  override name = 'DeviceTokenError';
}

/**
 * Classifies what jose's `jwtVerify` threw, one code per kind of failure, so logs and clients can
 * tell an expired token from a forged one without parsing messages. Anything that is not a jose
 * error is a bug, not a verdict on the token, and is returned unchanged for the caller to rethrow.
 */
export function fromJoseError(error: unknown): unknown {
  if (error instanceof DeviceTokenError || !(error instanceof errors.JOSEError)) return error;
  const cause = { cause: error };
  if (error instanceof errors.JWTExpired) {
    // jose reports an exceeded maxTokenAge as an expired "iat".
    return error.claim === 'iat'
      ? new DeviceTokenError('ERR_DEVICE_TOKEN_TOO_OLD', 'the token was issued too long ago', cause)
      : new DeviceTokenError('ERR_DEVICE_TOKEN_EXPIRED', 'the token has expired', cause);
  }
  if (error instanceof errors.JWTClaimValidationFailed) return claimError(error, cause);
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new DeviceTokenError(
      'ERR_DEVICE_TOKEN_BAD_SIGNATURE',
      'the token signature is invalid',
      cause,
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new DeviceTokenError(
      'ERR_DEVICE_TOKEN_ALG_NOT_ALLOWED',
      'the token algorithm is not allowed',
      cause,
    );
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return new DeviceTokenError(
      'ERR_DEVICE_TOKEN_MALFORMED',
      `the token is malformed: ${error.message}`,
      cause,
    );
  }
  return new DeviceTokenError(
    'ERR_DEVICE_TOKEN_MALFORMED',
    'the token could not be verified',
    cause,
  );
}

function claimError(
  error: InstanceType<typeof errors.JWTClaimValidationFailed>,
  cause: ErrorOptions,
): DeviceTokenError {
  const { claim, reason } = error;
  if (reason === 'missing') {
    if (claim === 'aud') {
      return new DeviceTokenError(
        'ERR_DEVICE_TOKEN_AUDIENCE_INVALID',
        'the token has no "aud" claim',
        cause,
      );
    }
    if (claim === 'iss') {
      return new DeviceTokenError(
        'ERR_DEVICE_TOKEN_ISSUER_INVALID',
        'the token has no "iss" claim',
        cause,
      );
    }
    return new DeviceTokenError(
      'ERR_DEVICE_TOKEN_CLAIM_MISSING',
      `the token has no "${claim}" claim`,
      cause,
    );
  }
  switch (claim) {
    case 'aud':
      return new DeviceTokenError(
        'ERR_DEVICE_TOKEN_AUDIENCE_INVALID',
        'the token is meant for another audience',
        cause,
      );
    case 'iss':
      return new DeviceTokenError(
        'ERR_DEVICE_TOKEN_ISSUER_INVALID',
        'the token comes from another issuer',
        cause,
      );
    case 'nbf':
      return new DeviceTokenError(
        'ERR_DEVICE_TOKEN_NOT_YET_VALID',
        'the token is not valid yet ("nbf")',
        cause,
      );
    case 'iat':
      return reason === 'check_failed'
        ? new DeviceTokenError(
            'ERR_DEVICE_TOKEN_NOT_YET_VALID',
            'the token was issued in the future ("iat")',
            cause,
          )
        : new DeviceTokenError('ERR_DEVICE_TOKEN_CLAIM_INVALID', 'claim "iat" is invalid', cause);
    default:
      return new DeviceTokenError(
        'ERR_DEVICE_TOKEN_CLAIM_INVALID',
        `claim "${claim}" is invalid: ${reason}`,
        cause,
      );
  }
}
