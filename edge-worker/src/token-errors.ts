/**
 * Maps jose's errors onto edge error codes, one code per kind of failure, so logs and clients can
 * tell an expired token from a forged one without parsing messages.
 */
import { errors } from 'jose';
import { EdgeError } from './errors.ts';

export function toEdgeError(error: unknown): EdgeError {
  if (error instanceof EdgeError) return error;
  const cause = { cause: error };
  if (error instanceof errors.JWTExpired) {
    // jose reports an exceeded maxTokenAge as an expired "iat".
    return error.claim === 'iat'
      ? new EdgeError('ERR_EDGE_TOKEN_TOO_OLD', 'the token was issued too long ago', cause)
      : new EdgeError('ERR_EDGE_TOKEN_EXPIRED', 'the token has expired', cause);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return claimError(error, cause);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new EdgeError('ERR_EDGE_TOKEN_BAD_SIGNATURE', 'the token signature is invalid', cause);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new EdgeError(
      'ERR_EDGE_TOKEN_ALG_NOT_ALLOWED',
      'the token algorithm is not allowed',
      cause,
    );
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return new EdgeError(
      'ERR_EDGE_TOKEN_MALFORMED',
      `the token is malformed: ${error.message}`,
      cause,
    );
  }
  if (error instanceof errors.JOSEError) {
    return new EdgeError('ERR_EDGE_TOKEN_MALFORMED', 'the token could not be verified', cause);
  }
  return new EdgeError('ERR_EDGE_INTERNAL', 'token verification failed unexpectedly', cause);
}

function claimError(
  error: InstanceType<typeof errors.JWTClaimValidationFailed>,
  cause: ErrorOptions,
) {
  const claim = error.claim;
  if (error.reason === 'missing') {
    return claim === 'aud'
      ? new EdgeError('ERR_EDGE_TOKEN_AUDIENCE_INVALID', 'the token has no "aud" claim', cause)
      : claim === 'iss'
        ? new EdgeError('ERR_EDGE_TOKEN_ISSUER_INVALID', 'the token has no "iss" claim', cause)
        : new EdgeError('ERR_EDGE_TOKEN_CLAIM_MISSING', `the token has no "${claim}" claim`, cause);
  }
  switch (claim) {
    case 'aud':
      return new EdgeError(
        'ERR_EDGE_TOKEN_AUDIENCE_INVALID',
        'the token is meant for another audience',
        cause,
      );
    case 'iss':
      return new EdgeError(
        'ERR_EDGE_TOKEN_ISSUER_INVALID',
        'the token comes from another issuer',
        cause,
      );
    case 'nbf':
      return new EdgeError(
        'ERR_EDGE_TOKEN_NOT_YET_VALID',
        'the token is not valid yet ("nbf")',
        cause,
      );
    case 'iat':
      return error.reason === 'check_failed'
        ? new EdgeError(
            'ERR_EDGE_TOKEN_NOT_YET_VALID',
            'the token was issued in the future ("iat")',
            cause,
          )
        : new EdgeError('ERR_EDGE_TOKEN_CLAIM_INVALID', 'claim "iat" is invalid', cause);
    default:
      return new EdgeError(
        'ERR_EDGE_TOKEN_CLAIM_INVALID',
        `claim "${claim}" is invalid: ${error.reason}`,
        cause,
      );
  }
}
